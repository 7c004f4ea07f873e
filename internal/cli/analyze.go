package cli

import (
	"context"
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
	"saker/event"
	"saker/github"
	"saker/replay"
	"saker/reports"
	"saker/rules"
)

type analyzeOptions struct {
	captures       []string
	rules          []string
	noDefaultRules bool
	json           bool
	db             string
	report         string
	dns            []string
	github         string
	repoDir        string
	failOn         string
	noVerify       bool
	progress       bool
	force          bool
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
Findings print as Falco alert lines on stdout (JSON with --json), a summary on stderr;
--db writes a DuckDB database and --report a self-contained HTML report.`,
		Example: `  saker analyze /var/tmp/cap1
  saker analyze capture.scap -r falco_rules.yaml --json --fail-on warning
  saker analyze cap1 --dns resolver.pcap --db cap1.duckdb --report cap1.html
  saker analyze --github deliveries/ --repo-dir ./clone`,
		Args: usageArgs(cobra.ArbitraryArgs),
		RunE: func(c *cobra.Command, args []string) error {
			o.captures = args
			if len(args) == 0 && o.github == "" {
				return usageErrorf("analyze: give a capture, or --github PATH")
			}
			return runAnalyze(c.Context(), s, o)
		},
	}
	f := c.Flags()
	f.StringArrayVarP(&o.rules, "rules", "r", nil, "rules file or directory to load (repeatable; later ones override)")
	f.BoolVar(&o.noDefaultRules, "no-default-rules", false, "do not load saker's embedded rules")
	f.BoolVar(&o.json, "json", false, "print findings as Falco JSON alerts, one per line")
	f.StringVar(&o.db, "db", "", "write a DuckDB database to this file")
	f.StringVar(&o.report, "report", "", "write an HTML report to this file")
	f.StringArrayVar(&o.dns, "dns", nil, "add DNS answers from this pcap or pcapng file (repeatable)")
	f.StringVar(&o.github, "github", "", "read GitHub webhook deliveries from this file or directory")
	f.StringVar(&o.repoDir, "repo-dir", "", "local clone to read workflow files from at each run's commit (with --github)")
	f.StringVar(&o.failOn, "fail-on", "", "exit 3 when a finding has this priority or a higher one (e.g. warning)")
	f.BoolVar(&o.noVerify, "no-verify", false, "read files whose SHA-256 does not match the manifest (outputs say so)")
	f.BoolVar(&o.progress, "progress", true, "show a progress bar when stderr is a terminal")
	f.BoolVar(&o.force, "force", false, "replace an existing --db file")
	return c
}

// summaryRow counts one rule's findings.
type summaryRow struct {
	rule        string
	priority    rules.Priority
	count       int
	first, last time.Time
}

func runAnalyze(ctx context.Context, s *streams, o *analyzeOptions) error {
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt)
	defer stop()
	threshold := rules.Priority(-1)
	if o.failOn != "" {
		p, err := rules.ParsePriority(o.failOn)
		if err != nil {
			return usageErrorf("--fail-on: %v", err)
		}
		threshold = p
	}
	rs, warns, err := analyze.LoadRules(o.noDefaultRules, o.rules...)
	for _, w := range warns {
		warn(s.err, "%s", w)
	}
	if err != nil {
		return err
	}
	extraDNS, dnsWarns, err := readDNSFiles(o.dns)
	if err != nil {
		return err
	}
	for _, w := range dnsWarns {
		warn(s.err, "%s", w)
	}
	summary := map[string]*summaryRow{}
	failed := false
	out := newFindingWriter(s.out, o.json)
	emit := func(f *analyze.Finding) error {
		row := summary[f.Rule]
		if row == nil {
			row = &summaryRow{rule: f.Rule, priority: f.Priority, first: f.Time}
			summary[f.Rule] = row
		}
		row.count++
		row.last = f.Time
		if threshold >= 0 && f.Priority <= threshold {
			failed = true
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
	if dbPath != "" {
		if store, err = reports.Create(dbPath, reports.CreateOptions{Force: o.force}); err != nil {
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
	for i, in := range inputs {
		var sink *dbSink
		if store != nil {
			sink = &dbSink{st: store, capID: fmt.Sprintf("%d:%s", i+1, in)}
		}
		if err := analyzeOne(ctx, s, o, in, rs, extraDNS, dnsEvents, emit, sink); err != nil {
			return err
		}
		dnsEvents = dnsEvents && strings.HasPrefix(in, "github:")
	}
	if store != nil {
		err := store.Commit()
		store = nil
		if err != nil {
			return fmt.Errorf("--db %s: %w", dbPath, err)
		}
		if o.db != "" {
			fmt.Fprintf(s.err, "saker: wrote %s\n", o.db)
		}
	}
	if o.report != "" {
		if err := writeReportFile(ctx, dbPath, o.report, reports.ReportOptions{Generated: time.Now(), Version: Version}); err != nil {
			return err
		}
		fmt.Fprintf(s.err, "saker: wrote %s\n", o.report)
	}
	printSummary(s.err, summary)
	if failed {
		return &exitError{code: ExitFindings}
	}
	return nil
}

// analyzeOne replays one input: a bundle directory, a .scap file, or "github:PATH".
func analyzeOne(ctx context.Context, s *streams, o *analyzeOptions, in string, rs *rules.RuleSet,
	extraDNS []replay.DNSMessage, dnsEvents bool, emit func(*analyze.Finding) error, sink *dbSink) error {
	opened, err := openInput(in, o)
	if err != nil {
		return err
	}
	defer opened.close()
	for _, w := range opened.warnings {
		warn(s.err, "%s: %s", in, w)
	}
	idx := analyze.NewDNSIndex(analyze.DNSIndexOptions{})
	src := opened.src
	opts := analyze.Options{Rules: rs, Names: idx, Hostname: opened.host, Finding: emit}
	if strings.HasPrefix(in, "github:") || !dnsEvents {
		// No host events to merge DNS into, or the --dns answers were already replayed as
		// events with an earlier capture: here they only name addresses.
		for i := range extraDNS {
			idx.Add(&extraDNS[i])
		}
	}
	if !strings.HasPrefix(in, "github:") {
		// The replay merges packet DNS into the events by time, feeds the index as it goes
		// and counts a response the sensor also saw once.
		opts.DNS.Packets = opened.dns
		if dnsEvents {
			opts.DNS.Packets = append(opened.dns[:len(opened.dns):len(opened.dns)], extraDNS...)
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
		opts.Hooks = sink.hooks()
		opts.Finding = func(f *analyze.Finding) error {
			sink.finding(f)
			return emit(f)
		}
		opts.DNS.Message = sink.dns
		opts.Event = sink.event
	}
	if p := newProgress(s.err, o.progress, opened.total); p != nil {
		src = p.wrap(src)
		defer p.finish()
	}
	a, err := analyze.NewAnalyzer(opts)
	if err != nil {
		return err
	}
	res, err := a.Run(ctx, src)
	if err != nil {
		return fmt.Errorf("%s: %w", in, err)
	}
	var sourceProblems []string
	for _, e := range res.SourceErrors {
		sourceProblems = append(sourceProblems, "damaged input, read on where possible: "+e.Error())
	}
	if sink != nil {
		sink.rules(a.Engine())
		problems := append(opened.after(), sourceProblems...)
		sink.keep(sink.st.AddCapture(&reports.Capture{ID: sink.capID, Host: opened.host, Source: in,
			Kernel: opened.kernel, BootID: opened.bootID,
			SakerVersion: opened.sakerVersion, Start: orTime(opened.start, res.First), Stop: orTime(opened.stop, res.Last),
			Events: res.Events, Lost: res.Lost,
			Verified: opened.verified, Problems: problems, ManifestJSON: opened.manifest}))
		if sink.err != nil {
			return fmt.Errorf("--db: %w", sink.err)
		}
	}
	for _, w := range res.Warnings {
		warn(s.err, "%s", w)
	}
	for _, w := range append(opened.after(), sourceProblems...) {
		warn(s.err, "%s: %s", in, w)
	}
	fmt.Fprintf(s.err, "saker: %s: %d events", in, res.Events)
	if !res.First.IsZero() {
		fmt.Fprintf(s.err, " from %s to %s", res.First.Format(time.RFC3339), res.Last.Format(time.RFC3339))
	}
	if _, bundle := opened.src.(*replay.BundleSource); bundle && !opened.verified {
		fmt.Fprint(s.err, "; integrity NOT verified")
	}
	fmt.Fprintln(s.err)
	return nil
}

// input is an opened capture of any format.
type input struct {
	src      event.Source
	host     string
	total    uint64 // records expected, 0 when unknown
	dns      []replay.DNSMessage
	warnings []string
	after    func() []string // warnings known only after reading (truncation, decode errors)
	verified bool            // integrity checked and good (saker bundles only)
	manifest string          // the bundle's manifest as JSON
	kernel   string          // kernel release, when the capture says
	// sakerVersion, start and stop are the capturing saker's version and the capture's own
	// start and stop, when the capture says (saker bundles).
	sakerVersion string
	start, stop  time.Time
	bootID       string // boot id, when the capture says
	close        func()
}

func openInput(in string, o *analyzeOptions) (*input, error) {
	if path, ok := strings.CutPrefix(in, "github:"); ok {
		src, err := github.Open(path, github.Options{RepoDir: o.repoDir})
		if err != nil && src == nil {
			return nil, err
		}
		it := &input{src: src, host: "github", after: func() []string { return nil }, close: func() {}}
		if err != nil {
			it.warnings = append(it.warnings, err.Error())
		}
		return it, nil
	}
	st, err := os.Stat(in)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return openBundleInput(in, o)
	}
	src, err := replay.OpenScap(in)
	if err != nil {
		return nil, err
	}
	return &input{src: src, host: src.Machine().Hostname, close: func() { src.Close() },
		after: func() []string {
			var w []string
			var skipped uint64
			for _, n := range src.Stats().SkippedByType {
				skipped += n
			}
			if skipped > 0 {
				w = append(w, fmt.Sprintf("%d events of types saker does not map were skipped", skipped))
			}
			return append(w, scapStatsWarnings(src.Stats())...)
		}}, nil
}

// scapMaxProblemWarnings bounds the corrupt records a .scap input lists one by one.
const scapMaxProblemWarnings = 10

// scapStatsWarnings reports what a .scap source skipped as damaged and the exit records it
// yielded without their enter record.
func scapStatsWarnings(st replay.ScapStats) []string {
	var w []string
	if st.Corrupt > 0 {
		w = append(w, fmt.Sprintf("%d damaged records or list entries were skipped: findings may be missing", st.Corrupt))
		shown := st.Problems[:min(len(st.Problems), scapMaxProblemWarnings)]
		for _, p := range shown {
			w = append(w, "damaged: "+p)
		}
		if more := st.Corrupt - uint64(len(shown)); more > 0 {
			w = append(w, fmt.Sprintf("damaged: %d more", more))
		}
	}
	if st.Unpaired > 0 {
		w = append(w, fmt.Sprintf("%d exit records came without their enter record: their events carry the exit's parameters only", st.Unpaired))
	}
	return w
}

func openBundleInput(dir string, o *analyzeOptions) (*input, error) {
	src, err := replay.OpenBundle(dir, replay.BundleOptions{NoVerify: o.noVerify})
	if err != nil {
		return nil, err
	}
	m := src.Bundle.Manifest
	it := &input{src: src, host: m.Host, total: m.Counters["records"], close: func() { src.Close() },
		verified: src.Bundle.Verified, manifest: rawManifest(dir, m), kernel: m.Kernel, bootID: m.BootID,
		sakerVersion: m.SakerVersion, start: m.Start, stop: m.Stop}
	if !src.Bundle.Verified {
		it.warnings = append(it.warnings, "integrity NOT verified: results rest on unverified files")
	}
	if lost := m.TotalLost(); lost > 0 {
		it.warnings = append(it.warnings, fmt.Sprintf("the sensor lost %d events: findings may be missing", lost))
	}
	for _, c := range m.Captured {
		if !c.Recorded {
			it.warnings = append(it.warnings, fmt.Sprintf("%s not captured: %s", c.Name, c.Reason))
		}
	}
	for _, fe := range src.Bundle.Files() {
		if fe.Kind != "dns" {
			continue
		}
		msgs, err := readBundleDNS(src, fe.Name)
		if err != nil {
			it.warnings = append(it.warnings, fmt.Sprintf("%s: %v", fe.Name, err))
		}
		it.dns = append(it.dns, msgs...)
	}
	it.after = func() []string {
		var w []string
		for _, p := range src.Bundle.Problems() {
			w = append(w, p.String())
		}
		st := src.Stats()
		if st.DecodeErrors > 0 {
			w = append(w, fmt.Sprintf("%d records did not decode (first: %v)", st.DecodeErrors, st.FirstError))
		}
		if st.Unknown > 0 {
			w = append(w, fmt.Sprintf("%d records of unknown types or layouts skipped", st.Unknown))
		}
		return w
	}
	return it, nil
}

func readBundleDNS(src *replay.BundleSource, name string) ([]replay.DNSMessage, error) {
	rc, err := src.Bundle.OpenData(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	r, err := replay.NewDNSReader(rc)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var msgs []replay.DNSMessage
	var m replay.DNSMessage
	for {
		err := r.Next(&m)
		if err == io.EOF {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m.Clone())
	}
}

// readDNSFiles reads the --dns capture files. A file that cannot be opened, or is no capture
// file at all, is an error; a damaged one (a capture cut short when tcpdump was killed) gives
// the messages before the damage and a warning.
func readDNSFiles(paths []string) ([]replay.DNSMessage, []string, error) {
	var all []replay.DNSMessage
	var warnings []string
	for _, p := range paths {
		msgs, _, err := replay.ReadDNSFile(p)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) && pe.Op == "open" || dnsNotACapture(err) {
				return nil, nil, fmt.Errorf("--dns %s: %w", p, err)
			}
			// ReadDNSFile's error starts with the path.
			warnings = append(warnings, fmt.Sprintf("--dns %v (read on with the %d DNS messages before it)", err, len(msgs)))
		}
		all = append(all, msgs...)
	}
	return all, warnings, nil
}

// dnsNotACapture reports a file that is no pcap or pcapng file, as opposed to one too short
// to hold its header.
func dnsNotACapture(err error) bool {
	return errors.Is(err, replay.ErrDNSFileFormat) &&
		!errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF)
}

// findingWriter prints findings as Falco text alert lines or JSON objects.
type findingWriter struct {
	w    io.Writer
	json bool
	tty  bool
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
	_, err := io.WriteString(fw.w, safeText(f.Text())+"\n")
	return err
}

// orTime returns t, or else when t is zero.
func orTime(t, orElse time.Time) time.Time {
	if t.IsZero() {
		return orElse
	}
	return t
}

// rawManifest returns manifest.json byte for byte, as evidence; a re-encoding of m if the file
// cannot be read again.
func rawManifest(dir string, m *capfile.Manifest) string {
	if b, err := os.ReadFile(filepath.Join(dir, capfile.ManifestName)); err == nil && len(b) <= 16<<20 {
		return string(b)
	}
	return manifestJSON(m)
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
	fmt.Fprintln(tw, "RULE\tPRIORITY\tCOUNT\tFIRST\tLAST")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", safeText(r.rule), r.priority, r.count,
			r.first.Format(time.RFC3339), r.last.Format(time.RFC3339))
	}
	tw.Flush()
}
