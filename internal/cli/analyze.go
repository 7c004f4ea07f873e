package cli

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode"

	"github.com/spf13/cobra"

	"saker/analyze"
	"saker/capfile"
	"saker/dns"
	"saker/event"
	"saker/incident"
	"saker/replay"
	"saker/reports"
	"saker/rules"
)

type analyzeOptions struct {
	captures       []string
	rules          []string
	noDefaultRules bool
	selections     []rules.Selection
	json           bool
	db             string
	report         string
	dns            []string
	github         string
	repoDir        string
	failOn         string
	noVerify       bool
	verifyKey      string
	verifyPub      ed25519.PublicKey
	progress       bool
	force          bool
	quiet          bool
	color          string
	allAlerts      bool
	rollupJSON     bool
	indicators     string
}

func newAnalyzeCmd(s *streams) *cobra.Command {
	o := &analyzeOptions{}
	c := &cobra.Command{
		Use:   "analyze CAPTURE...",
		Short: "Replay captures through the rules and report findings",
		Long: `analyze replays saker capture bundles (or Falco/sysdig .scap files) through process and
file-descriptor state and the rules: saker's embedded cryptomining rules plus any Falco rules
files given with -r. Server addresses are named from the DNS answers in the capture (and in
--dns files), as they were when each connection was made; saker sends no DNS query.
Findings print as Falco alert lines on stdout, the repeats of a finding rolled up into its
first line (every alert with --all-alerts; Falco's JSON alerts, one per event, with --json;
the rolled-up findings as JSON with --rollup-json). A summary and the incidents the findings
make (docs/INCIDENTS.md) follow on stderr; --indicators writes the incidents' indicators as
JSON or CSV. --db writes a DuckDB database and --report a self-contained HTML report.`,
		Example: `  saker analyze /var/tmp/cap1
  saker analyze capture.scap -r falco_rules.yaml --json --fail-on warning
  saker analyze cap1 --dns resolver.pcap --db cap1.duckdb --report cap1.html
  saker analyze cap1 --indicators iocs.csv
  saker analyze --github deliveries/ --repo-dir ./clone`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(c *cobra.Command, args []string) error {
			o.captures = args
			if err := checkAnalyzeUsage(o); err != nil {
				return err
			}
			if len(args) == 0 && o.github == "" {
				return usageErrorf("analyze: give a capture, or --github PATH")
			}
			return runAnalyze(c.Context(), s, o)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&o.rules, "rules", "r", nil, "rules file or directory to load (repeatable; later ones override)")
	f.BoolVar(&o.noDefaultRules, "no-default-rules", false, "do not load saker's embedded rules")
	addSelectionFlags(f, &o.selections)
	completeRuleNames(c, &o.noDefaultRules, &o.rules)
	f.BoolVar(&o.json, "json", false, "print findings as Falco JSON alerts, one per line and event")
	f.BoolVar(&o.rollupJSON, "rollup-json", false, "print the rolled-up findings as JSON, one per line, after each capture")
	f.BoolVar(&o.allAlerts, "all-alerts", false, "print every alert line, not the first of each rolled-up finding")
	f.StringVar(&o.indicators, "indicators", "", "write the incidents' indicators to this file (CSV when it ends in .csv, else JSON)")
	f.StringVar(&o.db, "db", "", "write a DuckDB database to this file")
	f.StringVar(&o.report, "report", "", "write an HTML report to this file")
	f.StringArrayVar(&o.dns, "dns", nil, "add DNS answers from this pcap or pcapng file (repeatable)")
	f.StringVar(&o.github, "github", "", "read GitHub webhook deliveries from this file or directory")
	f.StringVar(&o.repoDir, "repo-dir", "", "local clone to read workflow files from at each run's commit (with --github)")
	f.StringVar(&o.failOn, "fail-on", "", "exit 3 when a finding has this priority or a higher one (e.g. warning)")
	f.BoolVar(&o.noVerify, "no-verify", false, "read files whose SHA-256 does not match the manifest (outputs say so)")
	f.StringVar(&o.verifyKey, "verify-key", "", "require the bundle's manifest to be signed by this ed25519 public key (PEM, as `openssl pkey -pubout` writes)")
	f.BoolVar(&o.progress, "progress", true, "show a progress bar when stderr is a terminal")
	f.BoolVar(&o.force, "force", false, "replace an existing --db file")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "print findings, warnings and errors only: no summary")
	f.StringVar(&o.color, "color", "auto", "colour priorities: auto (on a terminal, unless NO_COLOR is set), always or never")
	return c
}

// summaryRow counts one rule's findings.
type summaryRow struct {
	rule        string
	priority    rules.Priority
	count       int
	rolled      int // roll-ups: the findings once repeats are rolled up
	first, last time.Time
}

func runAnalyze(ctx context.Context, s *streams, o *analyzeOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	threshold := rules.Priority(-1)
	if o.verifyKey != "" {
		k, err := capfile.LoadVerifyKey(o.verifyKey)
		if err != nil {
			return usageErrorf("--verify-key: %v", err)
		}
		o.verifyPub = k
	}
	if o.failOn != "" {
		p, err := rules.ParsePriority(o.failOn)
		if err != nil {
			return usageErrorf("--fail-on: %v", err)
		}
		threshold = p
	}
	if err := checkAnalyzeUsage(o); err != nil {
		return err
	}
	color, err := colorMode(o.color, s.out)
	if err != nil {
		return err
	}
	if o.report != "" {
		if err := checkOutputPath("--report", o.report); err != nil {
			return err
		}
	}
	if o.db != "" {
		if err := checkOutputPath("--db", o.db); err != nil {
			return err
		}
	}
	if o.indicators != "" {
		if err := checkOutputPath("--indicators", o.indicators); err != nil {
			return err
		}
	}
	rs, err := loadRuleSet(s.err, o.noDefaultRules, o.rules, o.selections)
	if err != nil {
		return err
	}
	ruleFileSummary(s.err, rs, o.rules)
	extraDNS, err := analyze.OpenDNSFiles(o.dns)
	if err != nil {
		return err
	}
	defer extraDNS.Close()
	summary := map[string]*summaryRow{}
	failed := false
	out := newFindingWriter(s.out, o.json)
	out.color = color
	emit := func(f *analyze.Finding, first bool) error {
		row := summary[f.Rule]
		if row == nil {
			row = &summaryRow{rule: f.Rule, priority: f.Priority, first: f.Time}
			summary[f.Rule] = row
		}
		row.count++
		if first {
			row.rolled++
		}
		row.last = f.Time
		if threshold >= 0 && f.Priority <= threshold {
			failed = true
		}
		if o.rollupJSON || !o.json && !o.allAlerts && !first {
			return nil
		}
		return out.write(f)
	}
	var store *reports.Store
	dbPath := o.db
	if dbPath == "" && o.report != "" {
		// The report is rendered from a database: without --db, a temporary one.
		tmp, err := os.MkdirTemp("", "saker-report-*")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dbPath = filepath.Join(tmp, "analysis.duckdb")
	}
	if o.db != "" {
		unlock, err := lockOutput(o.db)
		if err != nil {
			return fmt.Errorf("--db %s: %w", o.db, err)
		}
		defer unlock()
	}
	if dbPath != "" {
		if store, err = reports.Create(dbPath, reports.CreateOptions{Force: o.force}); err != nil {
			if errors.Is(err, reports.ErrExists) {
				return fmt.Errorf("--db %s exists: give --force to replace it", dbPath)
			}
			return fmt.Errorf("--db %s: %w", dbPath, err)
		}
		defer func() {
			if store != nil {
				store.Abort()
			}
		}()
	}
	inputs := o.captures
	if o.github != "" {
		inputs = append(inputs, "github:"+o.github)
	}
	dnsEvents := true // --dns answers become dns events (and findings) with the first capture only
	damaged := false
	var found []capturedIncidents
	var first, last time.Time
	var dnsFiles []analyze.DNSFile
	for i, in := range inputs {
		var sink *dbSink
		if store != nil {
			sink = &dbSink{st: store, capID: fmt.Sprintf("%d:%s", i+1, in)}
		}
		res, err := analyzeOne(ctx, s, o, in, rs, extraDNS, dnsEvents, emit, sink)
		if err != nil {
			return err
		}
		if i == 0 && extraDNS.Len() > 0 {
			// Every input reads the --dns files anew, alike: their damage is told once.
			var warns []string
			dnsFiles, warns = extraDNS.Report()
			for _, w := range warns {
				warn(s.err, "%s", w)
			}
		}
		damaged = damaged || res.damaged
		found = append(found, capturedIncidents{capture: in, incidents: res.incidents})
		if !strings.HasPrefix(in, "github:") && !res.first.IsZero() {
			if first.IsZero() || res.first.Before(first) {
				first = res.first
			}
			if res.last.After(last) {
				last = res.last
			}
		}
		dnsEvents = dnsEvents && strings.HasPrefix(in, "github:")
	}
	if !first.IsZero() {
		for _, w := range analyze.DNSFilesOutside(dnsFiles, first, last) {
			warn(s.err, "%s", w)
		}
	}
	if store != nil {
		err := store.Commit()
		store = nil
		if err != nil {
			return fmt.Errorf("--db %s: %w", dbPath, err)
		}
		if o.db != "" && !o.quiet {
			fmt.Fprintf(s.err, "saker: wrote %s\n", o.db)
		}
	}
	if o.indicators != "" {
		if err := writeIndicators(o.indicators, found); err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(s.err, "saker: wrote %s\n", o.indicators)
		}
	}
	if o.report != "" {
		if err := writeReportFile(ctx, dbPath, o.report, reports.ReportOptions{Generated: time.Now(), Version: currentBuild().String()}); err != nil {
			return err
		}
		if !o.quiet {
			fmt.Fprintf(s.err, "saker: wrote %s\n", o.report)
		}
	}
	if !o.quiet {
		printSummary(s.err, summary)
		printIncidents(s.err, found)
	}
	switch {
	case failed:
		return &exitError{code: ExitFindings}
	case damaged:
		if !o.quiet {
			fmt.Fprintln(s.err, "saker: the input was damaged or incomplete (see the warnings above): findings may be missing")
		}
		return &exitError{code: ExitDamaged}
	}
	return nil
}

// checkAnalyzeUsage rejects flag combinations that cannot do what was asked.
func checkAnalyzeUsage(o *analyzeOptions) error {
	if o.json && o.rollupJSON {
		return usageErrorf("analyze: --json prints every alert, --rollup-json the rolled-up findings: give one of them")
	}
	if o.noDefaultRules && len(o.rules) == 0 {
		return usageErrorf("analyze: --no-default-rules without -r leaves no rules to run: give rules files with -r")
	}
	for _, r := range o.rules {
		if looksLikeCapture(r) {
			return usageErrorf("analyze: -r %s: -r takes rules files; give the capture as an argument: saker analyze %s", r, r)
		}
	}
	return nil
}

// looksLikeCapture reports whether path is a capture bundle or a .scap file (plain or gzip)
// rather than a rules file: sysdig's and Falco's habit is `-r capture.scap`.
func looksLikeCapture(path string) bool {
	if st, err := os.Stat(filepath.Join(path, capfile.ManifestName)); err == nil && st.Mode().IsRegular() {
		return true
	}
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	n, _ := io.ReadFull(f, magic[:])
	switch {
	case n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b: // gzip: a .scap.gz; rules files are text
		return true
	case n == 4 && magic == [4]byte{0x0a, 0x0d, 0x0d, 0x0a}: // a pcapng/scap section header block
		return true
	}
	return false
}

// checkOutputPath fails early, before the analysis, when path cannot be written: a directory,
// or a directory that does not exist or refuses new files.
func checkOutputPath(flag, path string) error {
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return usageErrorf("%s %s: is a directory", flag, path)
	}
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".saker-check-*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("%s %s: cannot write in %s: %w", flag, path, dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

// oneResult is what runAnalyze needs to know of one input's analysis.
type oneResult struct {
	damaged     bool // damaged, unverified or incomplete input (exit ExitDamaged)
	first, last time.Time
	incidents   []*incident.Incident
}

// analyzeOne replays one input: a bundle directory, a .scap file ("-" for standard input),
// or "github:PATH".
func analyzeOne(ctx context.Context, s *streams, o *analyzeOptions, in string, rs *rules.RuleSet,
	extraDNS *analyze.DNSFiles, dnsEvents bool, emit func(*analyze.Finding, bool) error, sink *dbSink) (oneResult, error) {
	opened, err := analyze.OpenInput(in, analyze.InputOptions{NoVerify: o.noVerify, RepoDir: o.repoDir, Stdin: s.in,
		VerifyKey: o.verifyPub})
	if err != nil {
		return oneResult{}, err
	}
	defer opened.Close()
	for _, w := range opened.Warnings {
		warn(s.err, "%s: %s", in, w)
	}
	for _, w := range analyze.BlindRules(rs, opened.Profile, opened.NotRecorded) {
		warn(s.err, "%s: %s", in, w)
	}
	idx := dns.NewIndex(dns.IndexOptions{})
	src := opened.Source
	// Every finding is rolled up as it comes (the text output prints the first of each
	// roll-up); the collector's records make the incidents after the replay.
	col := incident.NewCollector()
	var hooks analyze.Hooks
	if sink != nil {
		hooks = sink.hooks()
	}
	opts := analyze.Options{Rules: rs, Names: idx, Hostname: opened.Host, Hooks: col.Hooks(hooks),
		Finding: func(f *analyze.Finding) error {
			ru, first := col.Finding(f)
			if sink != nil {
				sink.finding(f, ru.ID, first)
			}
			return emit(f, first)
		}}
	opts.Executables, _ = src.(analyze.ExeResolver)
	if strings.HasPrefix(in, "github:") || !dnsEvents {
		// No host events to merge DNS into, or the --dns answers were already replayed as
		// events with an earlier capture: here they only name addresses.
		if st := extraDNS.Stream(); st != nil {
			var m dns.Message
			for st.Next(&m) == nil {
				idx.Add(&m)
			}
		}
	}
	if !strings.HasPrefix(in, "github:") {
		// The replay merges packet DNS into the events by time, feeds the index as it goes
		// and counts a response the sensor also saw once.
		var streams []dns.Stream
		if st := opened.DNS.Stream(); st != nil {
			streams = append(streams, st)
		}
		if dnsEvents {
			if st := extraDNS.Stream(); st != nil {
				streams = append(streams, st)
			}
		}
		if len(streams) > 0 {
			opts.DNS.Stream = dns.MergeStreams(streams...)
		}
		if b, ok := src.(*replay.BundleSource); ok {
			m := b.Bundle.Manifest
			opts.DNS.TS = func(wall int64) uint64 {
				// An answer from before boot (a --dns file of another time) comes first.
				return uint64(max(int64(m.Boottime(time.Unix(0, wall))), 0))
			}
		}
	}
	if sink != nil {
		sink.clock = event.UnixClock{}
		if c, ok := src.(event.Clock); ok {
			sink.clock = c
		}
		opts.DNS.Message = sink.dns
		opts.Event = sink.event
	}
	span := &spanSource{src: src}
	src = span
	if p := newProgress(s.err, o.progress, opened.Total); p != nil {
		src = p.wrap(src)
		defer p.finish()
	}
	a, err := analyze.NewAnalyzer(opts)
	if err != nil {
		return oneResult{}, err
	}
	res, err := a.Run(ctx, src)
	if err != nil {
		return oneResult{}, fmt.Errorf("%s: %w", in, err)
	}
	incidents := col.Build(res.First, res.Last)
	if n := col.Dropped(); n > 0 {
		warn(s.err, "%s: %d process, connection or file records beyond the incident collector's limits were not kept: stories may miss steps", in, n)
	}
	if o.rollupJSON {
		if err := incident.WriteRollupsJSON(s.out, in, col.Rollups()); err != nil {
			return oneResult{}, err
		}
	}
	var sourceProblems []string
	for _, e := range res.SourceErrors {
		sourceProblems = append(sourceProblems, "damaged input, read on where possible: "+e.Error())
	}
	if sink != nil {
		sink.rules(a.Engine())
		problems := append(opened.After(), sourceProblems...)
		sink.keep(sink.st.AddCapture(&reports.Capture{ID: sink.capID, Host: opened.Host, Source: in,
			Kernel: opened.Kernel, BootID: opened.BootID,
			SakerVersion: opened.SakerVersion, Start: orTime(opened.Start, res.First), Stop: orTime(opened.Stop, res.Last),
			Events: res.Events, Lost: res.Lost,
			Verified: opened.Verified, Problems: problems, ManifestJSON: opened.Manifest, Signature: opened.Signature}))
		if b, ok := opened.Source.(*replay.BundleSource); ok {
			sink.executables(b)
		}
		sink.incidents(col.Rollups(), incidents)
		if sink.err != nil {
			return oneResult{}, fmt.Errorf("--db: %w", sink.err)
		}
	}
	for _, w := range res.Warnings {
		warn(s.err, "%s", w)
	}
	for _, w := range append(opened.After(), sourceProblems...) {
		warn(s.err, "%s: %s", in, w)
	}
	out := oneResult{incidents: incidents,
		damaged: len(res.SourceErrors) > 0 || len(opened.Damage()) > 0 || res.Lost > 0 || opened.Lost() ||
			opened.IsBundle() && !opened.Verified}
	if out.damaged && opened.OffsetNote != "" && (len(res.SourceErrors) > 0 || len(opened.Damage()) > 0) {
		warn(s.err, "%s: %s", in, opened.OffsetNote)
	}
	out.first, out.last = span.span()
	if o.quiet {
		return out, nil
	}
	fmt.Fprintf(s.err, "saker: %s: %d events", in, res.Events)
	if !res.First.IsZero() {
		fmt.Fprintf(s.err, " from %s to %s", res.First.Format(time.RFC3339), res.Last.Format(time.RFC3339))
	}
	if opened.IsBundle() && !opened.Verified {
		fmt.Fprint(s.err, "; integrity NOT verified")
	}
	if out.damaged {
		fmt.Fprint(s.err, "; input damaged or incomplete")
	}
	fmt.Fprintln(s.err)
	if opened.Signature != "" {
		fmt.Fprintf(s.err, "saker: %s: manifest signature %s\n", safeText(in), safeText(opened.Signature))
	}
	for _, n := range opened.Notes() {
		fmt.Fprintf(s.err, "saker: %s: %s\n", safeText(in), safeText(n))
	}
	return out, nil
}

// findingWriter prints findings as Falco text alert lines or JSON objects.
type findingWriter struct {
	w     io.Writer
	json  bool
	tty   bool
	color bool // colour the priority of text lines
}

func newFindingWriter(w io.Writer, asJSON bool) *findingWriter {
	return &findingWriter{w: w, json: asJSON, tty: isTerminal(w)}
}

func (fw *findingWriter) write(f *analyze.Finding) error {
	if fw.json {
		b, err := json.Marshal(f)
		if err != nil {
			return err
		}
		_, err = fw.w.Write(append(b, '\n'))
		return err
	}
	line := safeText(f.Text())
	if fw.color {
		line = colorPriority(line, f.Priority)
	}
	_, err := io.WriteString(fw.w, line+"\n")
	return err
}

// orTime returns t, or else when t is zero.
func orTime(t, orElse time.Time) time.Time {
	if t.IsZero() {
		return orElse
	}
	return t
}

// warn prints a warning; its text may come from the capture (file names, manifest reasons,
// decode errors quoting bytes), so it is escaped like findings are.
func warn(w io.Writer, format string, args ...any) {
	fmt.Fprintln(w, "saker: warning: "+safeText(fmt.Sprintf(format, args...)))
}

// safeText escapes what could act on a responder's terminal or hide text in captured command
// lines and payloads: C0 and C1 control characters (ANSI escape sequences, line breaks),
// invalid UTF-8, and invisible or direction-changing characters (bidi overrides, zero-width
// spaces), shown as \xNN or \uXXXX as the HTML report shows them.
func safeText(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		if c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "\\x%02x", c)
			i++
			continue
		}
		r, n := decodeRune(s[i:])
		switch {
		case r == -1:
			fmt.Fprintf(&b, "\\x%02x", c)
		case r >= 0x80 && (!unicode.IsPrint(r) || unicode.Is(unicode.Bidi_Control, r)):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func printSummary(w io.Writer, summary map[string]*summaryRow) {
	if len(summary) == 0 {
		fmt.Fprintln(w, "saker: no findings")
		return
	}
	rows := make([]*summaryRow, 0, len(summary))
	for _, r := range summary {
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].priority != rows[j].priority {
			return rows[i].priority < rows[j].priority
		}
		return rows[i].rule < rows[j].rule
	})
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RULE\tPRIORITY\tCOUNT\tROLLED UP\tFIRST\tLAST")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\n", safeText(r.rule), r.priority, r.count, r.rolled,
			r.first.Format(time.RFC3339), r.last.Format(time.RFC3339))
	}
	tw.Flush()
}
