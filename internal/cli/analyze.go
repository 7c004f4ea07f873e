package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
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
	"saker/dns"
	"saker/event"
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
	extraDNS, dnsWarns, err := analyze.ReadDNSFiles(o.dns)
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
	extraDNS []dns.Message, dnsEvents bool, emit func(*analyze.Finding) error, sink *dbSink) error {
	opened, err := analyze.OpenInput(in, analyze.InputOptions{NoVerify: o.noVerify, RepoDir: o.repoDir})
	if err != nil {
		return err
	}
	defer opened.Close()
	for _, w := range opened.Warnings {
		warn(s.err, "%s: %s", in, w)
	}
	idx := dns.NewIndex(dns.IndexOptions{})
	src := opened.Source
	opts := analyze.Options{Rules: rs, Names: idx, Hostname: opened.Host, Finding: emit}
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
		opts.DNS.Packets = opened.DNS
		if dnsEvents {
			opts.DNS.Packets = append(opened.DNS[:len(opened.DNS):len(opened.DNS)], extraDNS...)
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
	if p := newProgress(s.err, o.progress, opened.Total); p != nil {
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
		problems := append(opened.After(), sourceProblems...)
		sink.keep(sink.st.AddCapture(&reports.Capture{ID: sink.capID, Host: opened.Host, Source: in,
			Kernel: opened.Kernel, BootID: opened.BootID,
			SakerVersion: opened.SakerVersion, Start: orTime(opened.Start, res.First), Stop: orTime(opened.Stop, res.Last),
			Events: res.Events, Lost: res.Lost,
			Verified: opened.Verified, Problems: problems, ManifestJSON: opened.Manifest}))
		if sink.err != nil {
			return fmt.Errorf("--db: %w", sink.err)
		}
	}
	for _, w := range res.Warnings {
		warn(s.err, "%s", w)
	}
	for _, w := range append(opened.After(), sourceProblems...) {
		warn(s.err, "%s: %s", in, w)
	}
	fmt.Fprintf(s.err, "saker: %s: %d events", in, res.Events)
	if !res.First.IsZero() {
		fmt.Fprintf(s.err, " from %s to %s", res.First.Format(time.RFC3339), res.Last.Format(time.RFC3339))
	}
	if opened.IsBundle() && !opened.Verified {
		fmt.Fprint(s.err, "; integrity NOT verified")
	}
	fmt.Fprintln(s.err)
	return nil
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
