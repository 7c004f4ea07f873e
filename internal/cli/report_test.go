package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunReport(t *testing.T) {
	db := queryDB(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	var errOut bytes.Buffer
	if err := runReport(context.Background(), &streams{out: &bytes.Buffer{}, err: &errOut}, &reportOptions{db: db, out: out}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<!DOCTYPE html>", "Content-Security-Policy", "web1", "db1", "Miner", "miner | &lt;b&gt;", "generated "} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("report lacks %q", want)
		}
	}
	if !strings.Contains(errOut.String(), "wrote "+out) {
		t.Errorf("stderr %q", errOut.String())
	}
	// A second run replaces the report.
	if code := Main([]string{"report", db, "-o", out}, nil, &bytes.Buffer{}, &bytes.Buffer{}); code != ExitOK {
		t.Errorf("saker report again: exit %d", code)
	}
}

func TestRunReportErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "r.html")
	var errOut bytes.Buffer
	if code := Main([]string{"report", filepath.Join(dir, "none.duckdb"), "-o", out}, nil, &bytes.Buffer{}, &errOut); code != ExitError {
		t.Errorf("missing database: exit %d, stderr %q", code, errOut.String())
	}
	if code := Main([]string{"report", queryDB(t)}, nil, &bytes.Buffer{}, &bytes.Buffer{}); code != ExitUsage {
		t.Errorf("no -o: exit %d, want %d", code, ExitUsage)
	}
	if code := Main([]string{"report", queryDB(t), "-o", filepath.Join(dir, "no", "such", "dir.html")}, nil, &bytes.Buffer{}, &bytes.Buffer{}); code != ExitError {
		t.Errorf("unwritable output: exit %d", code)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("failed reports left %v", left)
	}
}
