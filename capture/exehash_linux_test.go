//go:build linux && amd64

package capture_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"saker/analyze"
	"saker/capfile"
	"saker/capture"
	"saker/event"
	"saker/replay"
)

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestExecutablesHashed: the executables of a process in the start snapshot, of a program
// named like a miner, of one written during the capture and run at once (gone before it
// could be read through /proc), and of one run from a memfd all have their SHA-256 in the
// replay; a rule matches a hash list; the miner-named and written files are kept in the
// bundle, the old test binary is not.
func TestExecutablesHashed(t *testing.T) {
	requireSensor(t)
	tmp := t.TempDir()
	os.Chmod(tmp, 0o755)
	miner := filepath.Join(tmp, "xmrig")
	sleep, _ := os.ReadFile("/bin/sleep")
	if err := os.WriteFile(miner, sleep, 0o755); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(miner, old, old)
	pre := startHelper(t, "waitclose")
	time.Sleep(20 * time.Millisecond) // the miner's ctime before the capture's start
	dir := filepath.Join(t.TempDir(), "cap")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true})
	run := func(c *exec.Cmd) {
		if out, err := c.CombinedOutput(); err != nil {
			t.Errorf("%v: %v: %s", c.Args, err, out)
		}
	}
	run(exec.Command(miner, "0.2"))
	dropped := filepath.Join(tmp, "dropped")
	drop := exec.Command(os.Args[0], dropped)
	drop.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=dropexec")
	run(drop)
	mem := exec.Command(os.Args[0])
	mem.Env = append(os.Environ(), "SAKER_SENSOR_HELPER=memfdsleep")
	run(mem)
	pre.stdin.Write([]byte("x\n"))
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	selfSHA, sleepSHA, trueSHA := fileSHA(t, os.Args[0]), fileSHA(t, "/bin/sleep"), fileSHA(t, "/bin/true")
	got := map[string]string{} // what ran -> its hash (or error)
	replayState(t, dir, func(_ *replay.BundleSource, s *analyze.State, e *event.Event) {
		p := s.Current()
		if p == nil {
			return
		}
		x := &p.Executable
		val := string(x.SHA256)
		if val == "" {
			val = "error: " + string(x.Error)
		}
		switch {
		case e.Kind == event.KindClose && p.PID == uint32(pre.pid):
			got["snapshot"] = val
		case e.Kind == event.KindExecve && string(p.ExePath) == miner:
			got["miner"] = val
		case e.Kind == event.KindExecve && string(p.ExePath) == dropped:
			got["dropped"] = val
		case e.Kind == event.KindExecve && bytes.HasPrefix(p.ExePath, []byte("/memfd:")):
			got["memfd"] = val
		}
	})
	want := map[string]string{"snapshot": selfSHA, "miner": sleepSHA, "dropped": trueSHA, "memfd": sleepSHA}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %s", k, got[k], v)
		}
	}

	// A rule on a list of hashes, with the hash in its output.
	rulesFile := filepath.Join(tmp, "rules.yaml")
	os.WriteFile(rulesFile, []byte(`
- list: known_miner_hashes
  items: [`+sleepSHA+`]
- rule: Known miner binary
  desc: t
  condition: evt.type = execve and proc.exe.sha256 in (known_miner_hashes)
  output: miner %proc.exepath sha256=%proc.exe.sha256
  priority: CRITICAL
`), 0o600)
	rs, _, err := analyze.LoadRules(true, rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	src, err := replay.OpenBundle(dir, replay.BundleOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	res, err := analyze.Run(context.Background(), src, analyze.Options{Rules: rs})
	if err != nil {
		t.Fatal(err)
	}
	var outs []string
	for _, f := range res.Findings {
		outs = append(outs, f.Output)
	}
	if !slices.Contains(outs, "miner "+miner+" sha256="+sleepSHA) {
		t.Errorf("findings %q", outs)
	}

	// Kept: the miner-named file and the dropped one, each checked on the way out.
	m := src.Bundle.Manifest
	var kept []string
	for _, s := range m.Samples {
		kept = append(kept, s.SHA256)
		var buf bytes.Buffer
		if err := src.Bundle.CopySample(s.SHA256, &buf); err != nil {
			t.Error(err)
		}
		fi, err := os.Stat(filepath.Join(dir, capfile.SamplesDir, s.SHA256))
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("sample %s: %v %v", s.SHA256, fi.Mode(), err)
		}
	}
	if !slices.Contains(kept, sleepSHA) || !slices.Contains(kept, trueSHA) || slices.Contains(kept, selfSHA) {
		t.Errorf("kept %v, want %s and %s, not %s", kept, sleepSHA, trueSHA, selfSHA)
	}
	recorded := slices.ContainsFunc(m.Captured, func(c capfile.Capability) bool {
		return c.Name == "executables" && c.Recorded && strings.Contains(c.Reason, "SHA-256")
	})
	if m.Counters["exe_records"] == 0 || m.Counters["exe_hashed"] == 0 || !recorded {
		t.Errorf("counters %v, captured %+v", m.Counters, m.Captured)
	}
}
