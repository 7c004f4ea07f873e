package reports

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The report in a real browser: Chromium driven over the DevTools protocol. The test skips when
// no browser is installed (build/deps.sh installs Debian's chromium; SAKER_CHROMIUM names another).

// browserLog records what a tab asked the network for and what it reported as an error.
type browserLog struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

func (l *browserLog) listen(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		l.requests = append(l.requests, e.Request.URL)
	case *runtime.EventExceptionThrown:
		l.errors = append(l.errors, "exception: "+e.ExceptionDetails.Text)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
			l.errors = append(l.errors, "console."+string(e.Type))
		}
	case *cdplog.EventEntryAdded:
		if e.Entry.Level == cdplog.EntryLevelError || e.Entry.Level == cdplog.EntryLevelWarning {
			l.errors = append(l.errors, string(e.Entry.Source)+": "+e.Entry.Text)
		}
	}
}

// check fails the test on any console error and on any request but the page itself.
func (l *browserLog) check(t *testing.T, url string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.errors {
		t.Errorf("%s: browser reported %s", filepath.Base(url), e)
	}
	for _, r := range l.requests {
		if strings.SplitN(r, "#", 2)[0] != url {
			t.Errorf("%s: request to %s", filepath.Base(url), r)
		}
	}
	if len(l.requests) == 0 {
		t.Errorf("%s: no request seen, not even the page's own (is the network listener working?)", filepath.Base(url))
	}
}

// startBrowser starts a headless Chromium and returns its context.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := os.Getenv("SAKER_CHROMIUM")
	if exe == "" {
		exe = "/usr/bin/chromium"
	}
	if _, err := os.Stat(exe); err != nil {
		t.Skipf("no browser to test the report in: %v (build/deps.sh installs chromium; SAKER_CHROMIUM names another)", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	actx, acancel := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1400, 1000),
	)
	t.Cleanup(acancel)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(bcancel)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	return bctx
}

// openPage writes page to a file and opens it in a new tab, with scripts off when noJS. It
// returns the tab, its log, the file URL and how long loading took.
func openPage(t *testing.T, browser context.Context, name string, page []byte, noJS bool) (context.Context, *browserLog, string, time.Duration) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, page, 0o600); err != nil {
		t.Fatal(err)
	}
	url := "file://" + path
	bl := &browserLog{}
	tab, cancel := chromedp.NewContext(browser, chromedp.WithListener(bl.listen))
	t.Cleanup(cancel)
	if err := chromedp.Do(tab); err != nil {
		t.Fatal(err)
	}
	if noJS {
		if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	if err := chromedp.Do(tab, chromedp.Navigate(url)); err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return tab, bl, url, time.Since(start)
}

// eval evaluates expr in tab.
func eval[T any](t *testing.T, tab context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// screenshot saves a full-page PNG of tab as an artifact.
func screenshot(t *testing.T, tab context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	t.Logf("screenshot: %s", saveArtifact(t, name, png))
}

func TestReportBrowser(t *testing.T) {
	browser := startBrowser(t)

	t.Run("miner", func(t *testing.T) {
		tab, bl, url, took := openPage(t, browser, "miner.html", renderReport(t, minerDB(t), ReportOptions{Version: "test"}), false)
		t.Logf("loaded in %v", took)
		if got := eval[string](t, tab, `document.getElementById("total-findings").dataset.count`); got != "1" {
			t.Errorf("finding count %q, want 1", got)
		}
		if n := eval[int](t, tab, `document.querySelectorAll("#findings ul.tree li").length`); n < 3 {
			t.Errorf("process tree has %d entries, want systemd, bash and the miner", n)
		}
		if got := eval[string](t, tab, `[...document.querySelectorAll(".pname")].map(e => e.textContent).join(",")`); !strings.Contains(got, "pool.supportxmr.com") {
			t.Errorf("pool names %q lack pool.supportxmr.com", got)
		}
		// The CSP's hashes let the page's own script and style in.
		if !eval[bool](t, tab, `!document.getElementById("tools").hidden`) {
			t.Error("the toolbar is hidden: the page's script did not run")
		}
		if got := eval[string](t, tab, `getComputedStyle(document.querySelector("h2")).borderBottomStyle`); got != "solid" {
			t.Errorf("h2 border %q: the page's style did not apply", got)
		}
		// The filter hides what does not match and shows it again when cleared.
		filter := func(s string) {
			eval[chromedp.Void](t, tab, `(q => { q.value = `+jsString(s)+`; q.dispatchEvent(new Event("input")); })(document.getElementById("q"))`)
			time.Sleep(400 * time.Millisecond)
		}
		filter("curl")
		if n := eval[int](t, tab, `document.querySelectorAll("article.card:not([hidden])").length`); n != 0 {
			t.Errorf("filter curl: %d finding cards shown, want 0", n)
		}
		if n := eval[int](t, tab, `[...document.querySelectorAll("#network tbody tr")].filter(r => !r.hidden).length`); n != 1 {
			t.Errorf("filter curl: %d network rows shown, want curl's 1", n)
		}
		filter("")
		if n := eval[int](t, tab, `document.querySelectorAll("article.card:not([hidden])").length`); n != 1 {
			t.Errorf("filter cleared: %d finding cards shown, want 1", n)
		}
		screenshot(t, tab, "report-miner.png")
		bl.check(t, url)
	})

	// The page opens with the incidents: the story's steps in time order, each step's evidence
	// a link to a finding card of the page, and the indicators.
	t.Run("incidents", func(t *testing.T) {
		tab, bl, url, _ := openPage(t, browser, "incidents.html", renderReport(t, minerDB(t), ReportOptions{Version: "test"}), false)
		if got := eval[string](t, tab, `document.querySelector("main section").id`); got != "incidents" {
			t.Errorf("the page opens with section %q, want incidents", got)
		}
		if n := eval[int](t, tab, `document.querySelectorAll("#incidents article.incident").length`); n != 1 {
			t.Fatalf("%d incidents shown, want 1", n)
		}
		phases := eval[[]string](t, tab, `[...document.querySelectorAll("#incidents .story li.step")].map(li => li.dataset.phase)`)
		if strings.Join(phases, ",") != "arrival,download,execution,command and control / mining" {
			t.Errorf("steps by phase %q", phases)
		}
		times := eval[[]string](t, tab, `[...document.querySelectorAll("#incidents .story li.step > .tm")].map(e => e.textContent)`)
		for i := 1; i < len(times); i++ {
			if times[i] < times[i-1] {
				t.Errorf("step %d at %s before step %d at %s", i+1, times[i], i, times[i-1])
			}
		}
		// Every evidence link resolves to a finding card, which the browser scrolls to.
		links := eval[[]string](t, tab, `[...document.querySelectorAll("#incidents .story a")].map(a => a.getAttribute("href"))`)
		if len(links) != 1 {
			t.Fatalf("evidence links %q, want the finding of the connection step", links)
		}
		for _, h := range links {
			if !eval[bool](t, tab, `(e => e !== null && e.matches("article.card"))(document.querySelector(`+jsString(h)+`))`) {
				t.Errorf("evidence link %s resolves to no finding card", h)
			}
			eval[chromedp.Void](t, tab, `document.querySelector(`+jsString(`#incidents a[href="`+h+`"]`)+`).click()`)
			if got := eval[string](t, tab, `location.hash`); got != h {
				t.Errorf("after a click on %s the page is at %q", h, got)
			}
			if top := eval[float64](t, tab, `document.querySelector(`+jsString(h)+`).getBoundingClientRect().top`); top < 0 || top > 200 {
				t.Errorf("the card of %s is %v px from the top after the click", h, top)
			}
		}
		if got := eval[string](t, tab, `[...document.querySelectorAll("#incidents table.indicators tbody tr")].map(r => r.cells[0].textContent + " " + r.cells[1].textContent).join("; ")`); got != "domain pool.supportxmr.com; ip 198.51.100.7; path /tmp/.x/xmrig; sha256 "+minerSHA {
			t.Errorf("indicators %q", got)
		}
		if got := eval[string](t, tab, `document.querySelectorAll("#incidents .story li.step .text")[2].textContent`); !strings.Contains(got, "<script>alert(1)</script>") {
			t.Errorf("a step's text %q is not shown as text", got)
		}
		screenshot(t, tab, "report-incidents.png")
		bl.check(t, url)
	})

	t.Run("hostile", func(t *testing.T) {
		tab, bl, url, _ := openPage(t, browser, "hostile.html", renderReport(t, hostileDB(t), ReportOptions{}), false)
		if got := eval[string](t, tab, `String(window.__pwned)`); got != "undefined" {
			t.Errorf("window.__pwned = %s: a hostile value ran", got)
		}
		if got := eval[string](t, tab, `document.title`); !strings.HasPrefix(got, "saker incident report: ") || strings.HasPrefix(got, "pwned") {
			t.Errorf("title %q", got)
		}
		if n := eval[int](t, tab, `document.scripts.length + document.images.length + document.querySelectorAll("style, iframe, svg [onload], [onerror]").length`); n != 2 {
			t.Errorf("page has %d scripts, images, styles and handlers; want its own script and style", n)
		}
		if got := eval[string](t, tab, `getComputedStyle(document.body).display`); got == "none" {
			t.Error("a hostile style hid the page")
		}
		if got := eval[string](t, tab, `[...document.querySelectorAll("#findings .cmd")].map(e => e.textContent).join("\n")`); !strings.Contains(got, "/tmp/x AAAA") || !strings.Contains(got, "bytes more)") || len(got) > 64<<10 {
			t.Errorf("1 MB command line not cut: shown as %.200q… (%d bytes)", got, len(got))
		}
		if w := eval[[]int](t, tab, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
			t.Errorf("page is %d pixels wide in a %d pixel window: hostile values break the layout", w[0], w[1])
		}
		screenshot(t, tab, "report-hostile.png")
		bl.check(t, url)
	})

	t.Run("noscript", func(t *testing.T) {
		tab, bl, url, _ := openPage(t, browser, "noscript.html", renderReport(t, minerDB(t), ReportOptions{}), true)
		if !eval[bool](t, tab, `document.getElementById("tools").hidden`) {
			t.Error("toolbar shown without script")
		}
		if n := eval[int](t, tab, `[...document.querySelectorAll("article.card, #list tbody tr")].filter(e => e.offsetParent !== null).length`); n != 2 {
			t.Errorf("%d findings visible without script, want the card and the row", n)
		}
		bl.check(t, url)
	})

	// SAKER_REPORT_DB names a database of a real analysis to render, check and photograph too.
	t.Run("db", func(t *testing.T) {
		db := os.Getenv("SAKER_REPORT_DB")
		if db == "" {
			t.Skip("SAKER_REPORT_DB not set")
		}
		tab, bl, url, took := openPage(t, browser, "db.html", renderReport(t, db, ReportOptions{}), false)
		t.Logf("%s: loaded in %v", db, took)
		if w := eval[[]int](t, tab, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
			t.Errorf("page is %d pixels wide in a %d pixel window", w[0], w[1])
		}
		screenshot(t, tab, "report-db.png")
		bl.check(t, url)
	})

	t.Run("large", func(t *testing.T) {
		if testing.Short() {
			t.Skip("100,000 findings: skipped in -short")
		}
		page := renderReport(t, largeDB(t, 100_000), ReportOptions{})
		tab, bl, url, took := openPage(t, browser, "large.html", page, false)
		t.Logf("report of 100000 findings (%d bytes) loaded in %v", len(page), took)
		if got := eval[string](t, tab, `document.getElementById("total-findings").dataset.count`); got != "100000" {
			t.Errorf("finding count %q", got)
		}
		start := time.Now()
		shown := eval[int](t, tab, `(q => { q.value = "pool-7.example"; q.dispatchEvent(new Event("input")); return new Promise(r => setTimeout(() => r(document.querySelectorAll("#list tbody tr:not([hidden])").length), 150)); })(document.getElementById("q"))`,
			chromedp.EvalAwaitPromise)
		t.Logf("filtering the page took %v (%d list rows match)", time.Since(start), shown)
		png, err := chromedp.Run(tab, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		t.Logf("screenshot of the first screen: %s", saveArtifact(t, "report-large.png", png))
		bl.check(t, url)
	})
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}
