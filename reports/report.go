package reports

import (
	"bufio"
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

// The HTML report is one self-contained file: its CSS and script are inline and allowed by a
// Content-Security-Policy that names their SHA-256 hashes and nothing else, so the page can
// make no request at all. Everything from the capture goes through html/template (and show,
// which cuts and escapes); the page is complete without script, which only filters and folds.

//go:embed html/report.html.tmpl html/report.css html/report.js
var reportFS embed.FS

// ReportOptions tunes the HTML report. Zero values take the defaults noted; caps keep the page
// small for huge captures (the database keeps everything, and the page says how much it left out).
type ReportOptions struct {
	// Title heads the page; default "saker incident report: " and the captures' hosts.
	Title string
	// Generated is shown as the report's creation time; the zero time omits it (reproducible output).
	Generated time.Time
	// Version is the saker version shown in the footer.
	Version string
	// MaxCell is the number of bytes of a capture value a table cell shows (default 300; command
	// lines and outputs in finding details show four times as many).
	MaxCell int
	// MaxRows caps the network, DNS and new-executable tables (default 500).
	MaxRows int
	// MaxList caps the flat findings list, the most severe first (default 5000).
	MaxList int
	// MaxFindingsPerRule caps the detailed findings of each rule (default 20).
	MaxFindingsPerRule int
	// MaxCards caps the detailed findings in all (default 400).
	MaxCards int
	// MaxChildren, MaxConns and MaxFiles cap a finding's child processes, connections and
	// files (defaults 10, 5, 20).
	MaxChildren, MaxConns, MaxFiles int
}

func (o *ReportOptions) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxCell, 300)
	def(&o.MaxRows, 500)
	def(&o.MaxList, 5000)
	def(&o.MaxFindingsPerRule, 20)
	def(&o.MaxCards, 400)
	def(&o.MaxChildren, 10)
	def(&o.MaxConns, 5)
	def(&o.MaxFiles, 20)
}

// WriteReport writes the HTML incident report of the database at dbPath (opened read-only) to w.
// It returns the database's errors, and w's; on error w may hold part of a page.
func WriteReport(ctx context.Context, dbPath string, w io.Writer, opts ReportOptions) error {
	db, err := OpenReadOnly(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := WriteReportDB(ctx, db, w, opts); err != nil {
		return fmt.Errorf("report %s: %w", dbPath, err)
	}
	return nil
}

// WriteReportDB is WriteReport on an open database.
func WriteReportDB(ctx context.Context, db *sql.DB, w io.Writer, opts ReportOptions) error {
	v, err := loadReport(ctx, db, opts)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if err := reportTmpl.Execute(bw, v); err != nil {
		return fmt.Errorf("render: %w", err)
	}
	return bw.Flush()
}

// loadReport reads the whole view from db.
func loadReport(ctx context.Context, db *sql.DB, opts ReportOptions) (*reportView, error) {
	opts.defaults()
	v := &reportView{CSS: reportCSS, JS: reportJS, CSP: reportCSP, Version: opts.Version}
	if !opts.Generated.IsZero() {
		v.Generated = opts.Generated.UTC().Format("2006-01-02 15:04:05 MST")
	}
	l := &loader{db: db, opts: opts, v: v, capIndex: map[string]int{}}
	if err := l.captures(ctx); err != nil {
		return nil, err
	}
	if err := l.hasIncidents(ctx); err != nil {
		return nil, err
	}
	refs, err := l.findings(ctx)
	if err != nil {
		return nil, err
	}
	if err := l.cardContext(ctx, refs); err != nil {
		return nil, err
	}
	for _, step := range []func(context.Context) error{l.list, l.timeline, l.network, l.dns, l.newExecutables} {
		if err := step(ctx); err != nil {
			return nil, err
		}
	}
	carded := map[string]bool{}
	for _, r := range refs {
		carded[r.card.Anchor] = true
	}
	for i := range v.List {
		if !carded[v.List[i].Anchor] {
			v.List[i].Anchor = ""
		}
	}
	if err := l.incidents(ctx, carded); err != nil {
		return nil, err
	}
	v.Title = opts.Title
	if v.Title == "" {
		var hosts []string
		seen := map[string]bool{}
		for _, c := range v.Captures {
			if h := c.Host.String(); !seen[h] {
				seen[h] = true
				hosts = append(hosts, h)
			}
		}
		v.Title = "saker incident report"
		if len(hosts) > 0 {
			v.Title += ": " + show(strings.Join(hosts, ", "), 200).String()
		}
	}
	return v, nil
}

var (
	reportCSS  = template.CSS(mustAsset("html/report.css"))
	reportJS   = template.JS(mustAsset("html/report.js"))
	reportCSP  = "default-src 'none'; style-src " + cspHash(string(reportCSS)) + "; script-src " + cspHash(string(reportJS)) + "; img-src data:; base-uri 'none'; form-action 'none'"
	reportTmpl = template.Must(template.New("report.html.tmpl").Funcs(template.FuncMap{
		"add": func(a, b int) int { return a + b },
	}).ParseFS(reportFS, "html/report.html.tmpl"))
)

func mustAsset(name string) string {
	b, err := reportFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// cspHash returns the CSP source allowing an inline element whose text is s.
func cspHash(s string) string {
	h := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(h[:]) + "'"
}
