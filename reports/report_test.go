package reports

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// renderReport writes the report of the database at path and returns it.
func renderReport(t testing.TB, path string, opts ReportOptions) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteReport(context.Background(), path, &b, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// saveArtifact writes b under $SAKER_ARTIFACTS (else a temporary directory) and returns its path.
func saveArtifact(t testing.TB, name string, b []byte) string {
	t.Helper()
	dir := os.Getenv("SAKER_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// checkSafe parses page and fails on anything that could run or fetch: a script or style element
// other than the report's own, an event handler attribute, a style attribute, a link anywhere but
// to an anchor of the page, an element that loads a resource, or a missing or weak CSP.
func checkSafe(t *testing.T, page []byte) *html.Node {
	t.Helper()
	if !utf8.Valid(page) {
		t.Error("page is not valid UTF-8")
	}
	for _, b := range []byte{0, 0x1b, 0x07} {
		if bytes.IndexByte(page, b) >= 0 {
			t.Errorf("page holds control byte %#x", b)
		}
	}
	doc, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	var scripts, styles, csp int
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script":
				scripts++
			case "style":
				styles++
			case "img", "iframe", "object", "embed", "link", "base", "form", "video", "audio", "source", "image", "use", "foreignObject":
				if !(n.Data == "link" && attr(n, "href") == "data:,") {
					t.Errorf("element <%s> in page", n.Data)
				}
			case "meta":
				if strings.EqualFold(attr(n, "http-equiv"), "Content-Security-Policy") {
					csp++
					c := attr(n, "content")
					if !strings.HasPrefix(c, "default-src 'none'; ") || strings.Contains(c, "unsafe") {
						t.Errorf("weak CSP %q", c)
					}
				}
			}
			for _, a := range n.Attr {
				k := strings.ToLower(a.Key)
				switch {
				case strings.HasPrefix(k, "on"), k == "style", k == "src", k == "srcdoc", k == "action", k == "formaction":
					t.Errorf("<%s %s=%q>", n.Data, a.Key, a.Val)
				case k == "href" || k == "xlink:href":
					if !strings.HasPrefix(a.Val, "#") && !(n.Data == "link" && a.Val == "data:,") {
						t.Errorf("<%s href=%q>", n.Data, a.Val)
					}
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if scripts != 1 || styles != 1 || csp != 1 {
		t.Errorf("page has %d scripts, %d styles, %d CSP metas; want 1 each", scripts, styles, csp)
	}
	return doc
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// text returns the text of the page without markup.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode && (n.Parent == nil || n.Parent.Data != "script" && n.Parent.Data != "style") {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestReportMiner(t *testing.T) {
	page := renderReport(t, minerDB(t), ReportOptions{Version: "test"})
	doc := checkSafe(t, page)
	got := text(doc)
	for _, want := range []string{
		"saker incident report: web1",
		"integrity verified",
		"Mining pool connection", "1 finding",
		// ancestry: systemd > bash > the miner, with users and command lines
		"/usr/lib/systemd/systemd", "bash -i", "www-data(33)", "/tmp/.x/xmrig -o pool.supportxmr.com:3333",
		// the connection, the pool's name and the answer that named it
		"198.51.100.7:3333", "pool.supportxmr.com", "evt.type = connect",
		// new executables: curl wrote the miner, bash ran it
		"/tmp/.x/xmrig", "/usr/bin/curl",
		"127.0.0.53",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, id := range []string{`id="summary"`, `id="timeline"`, `id="r-1"`, `id="f-0-1"`, `class="tree"`, `<svg class="chart"`, `id="newexec"`} {
		if !bytes.Contains(page, []byte(id)) {
			t.Errorf("report lacks %s", id)
		}
	}
	if !regexp.MustCompile(`(?s)<li class="self">.*?<span class="pid">102</span>`).Match(page) {
		t.Error("the miner (pid 102) is not the marked process of its tree")
	}
}

func TestReportHostile(t *testing.T) {
	page := renderReport(t, hostileDB(t), ReportOptions{})
	p := saveArtifact(t, "report-hostile.html", page)
	t.Logf("hostile report: %s (%d bytes)", p, len(page))
	doc := checkSafe(t, page)
	got := text(doc)
	if len(page) > 512<<10 {
		t.Errorf("report of a 1 MB command line is %d bytes", len(page))
	}
	for _, want := range []string{
		`<script>window.__pwned=1;document.title="pwned"</script>`, // shown, as text
		`javascript:window.__pwned=4`,
		`\x1b[31mRED\x1b[0m\x1b]0;pwned\x07 ansi`,
		`nul\x00byte`, `bad\xff\xfeutf8`, `\u202eexe.txt\u202c bidi`,
		`{{.CSP}} {{template "t" .}}`,
		"bytes more)",
		"integrity NOT verified", "3 events lost", "sha256 mismatch",
		"ancestry not followed further",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(got, strings.Repeat("A", 5000)) {
		t.Error("1 MB command line not cut")
	}
	if !bytes.Contains(page, []byte(`<span class="esc">\x1b</span>`)) {
		t.Error("ANSI escape not marked as an escape")
	}
}

func TestReportEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	got := text(checkSafe(t, renderReport(t, path, ReportOptions{})))
	for _, want := range []string{"The database holds no capture.", "No findings", "No connections recorded."} {
		if !strings.Contains(got, want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
}

func TestReportCaptures(t *testing.T) {
	path := filepath.Join(t.TempDir(), "two.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	loadMiner(t, s, "c1", "web1", 0)
	loadMiner(t, s, "c2", "web2", 24*time.Hour)
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	page := renderReport(t, path, ReportOptions{Title: "two hosts"})
	got := text(checkSafe(t, page))
	for _, want := range []string{"two hosts", "web1", "web2", "2 findings in 2 captures"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	for _, id := range []string{`id="f-0-1"`, `id="f-1-1"`} {
		if !bytes.Contains(page, []byte(id)) {
			t.Errorf("report lacks %s: findings of both captures need their own anchors", id)
		}
	}
}

func TestReportCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WriteReport(ctx, minerDB(t), &bytes.Buffer{}, ReportOptions{}); err == nil {
		t.Error("WriteReport on a cancelled context succeeded")
	}
	if err := WriteReport(context.Background(), filepath.Join(t.TempDir(), "none.duckdb"), &bytes.Buffer{}, ReportOptions{}); !os.IsNotExist(errorsUnwrapAll(err)) {
		t.Errorf("missing database: %v", err)
	}
}

// errorsUnwrapAll returns the innermost error of a chain.
func errorsUnwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func TestReportLarge(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 findings: skipped in -short")
	}
	const n = 100_000
	path := largeDB(t, n)
	start := time.Now()
	page := renderReport(t, path, ReportOptions{})
	took := time.Since(start)
	t.Logf("report of %d findings: %d bytes in %v", n, len(page), took)
	if len(page) > 20<<20 {
		t.Errorf("report of %d findings is %d bytes, want under 20 MB", n, len(page))
	}
	got := text(checkSafe(t, page))
	for _, want := range []string{"100000 findings", "more findings of this rule are in the database",
		"95000 more findings are in the database", "pool-1.example"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	saveArtifact(t, "report-large.html", page)
}

func TestReportShow(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		limit    int
		want     string
	}{
		{"plain", "abc", 0, "abc"},
		{"cut", "abcdef", 4, "abcd… (2 bytes more)"},
		{"rune not cut", "aé", 2, "a… (2 bytes more)"},
		{"ansi", "\x1b[0m", 0, `\x1b[0m`},
		{"nul", "a\x00b", 0, `a\x00b`},
		{"invalid", "\xff", 0, `\xff`},
		{"newline", "a\nb\tc\r", 0, `a\nb\tc\r`},
		{"c1", "\u0085", 0, `\u0085`},
		{"bidi", "\u202e", 0, `\u202e`},
		{"zero width", "a\u200bb", 0, `a\u200bb`},
		{"del", "\x7f", 0, `\x7f`},
		{"unicode", "ünï ✓ 🦀", 0, "ünï ✓ 🦀"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := show(tc.in, tc.limit).String(); got != tc.want {
				t.Errorf("show(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
			}
		})
	}
}

func TestReportPriorityCase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "case.duckdb")
	s, err := Create(path, CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddCapture(&Capture{ID: "c", Host: "h", Start: at(0), Stop: at(10)}); err != nil {
		t.Fatal(err)
	}
	for i, p := range []string{"WARNING", "Warning", "warning"} {
		if err := s.AddFinding(&Finding{CaptureID: "c", ID: uint64(i + 1), Rule: "R", Priority: p, Time: at(i)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Commit(); err != nil {
		t.Fatal(err)
	}
	page := renderReport(t, path, ReportOptions{})
	got := text(checkSafe(t, page))
	if !strings.Contains(got, "R — 3 findings, 2026-11-20 10:00:00.123 to 2026-11-20 10:00:02.123") {
		t.Errorf("findings of one rule under three spellings of Warning are not one group:\n%s", got)
	}
	if n := bytes.Count(page, []byte(`<details class="rule"`)); n != 1 {
		t.Errorf("%d rule groups, want 1", n)
	}
}

func TestReportDNSNames(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"1", "A"}, {"28", "AAAA"}, {"A", "A"}, {"0,3", "NOERROR,NXDOMAIN"}, {"999", "999"}} {
		names := dnsTypes
		if strings.Contains(tc.in, ",") {
			names = dnsRcodes
		}
		if got := dnsName(tc.in, names); got != tc.want {
			t.Errorf("dnsName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestReportShowLines(t *testing.T) {
	if got := showLines("a\nb\x1b", 0).String(); got != "a\nb\\x1b" {
		t.Errorf("showLines = %q", got)
	}
}
