//go:build linux && amd64

package capture_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"saker/capfile"
	"saker/capture"
	"saker/event"
)

// TestSensorEnv checks that the exec record carries the environment the new image sees, cut
// at 4 KiB, and that the manifest says environments are recorded.
func TestSensorEnv(t *testing.T) {
	requireSensor(t)
	if testing.Short() {
		t.Skip("privileged capture test")
	}
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "bundle")
	stop := startCapture(t, capture.Options{Dir: dir, NoDNS: true})
	small := exec.Command("/bin/true", "small-env")
	small.Env = []string{"FOO=bar", "LD_PRELOAD=/tmp/x.so"}
	run(t, small)
	big := exec.Command("/bin/true", "big-env")
	big.Env = []string{"FOO=bar", "BIG=" + strings.Repeat("x", 5000), "LD_PRELOAD=/tmp/x.so"}
	run(t, big)
	none := exec.Command("/bin/true", "no-env")
	none.Env = []string{}
	run(t, none)
	if err := stop(); err != nil {
		t.Fatalf("capture: %v", err)
	}
	evs := readBundle(t, dir)
	for _, c := range []struct {
		name string
		cmd  *exec.Cmd
		want string
	}{
		{"small", small, "FOO=bar\x00LD_PRELOAD=/tmp/x.so\x00"},
		// 4096 bytes kept: the cut item ends them, terminated; LD_PRELOAD is past the cut.
		{"truncated", big, "FOO=bar\x00BIG=" + strings.Repeat("x", 4096-len("FOO=bar\x00BIG=")) + "\x00"},
		{"empty", none, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			ex := one(t, "execve", find(evs, func(e *event.Event) bool {
				return int64(e.PID) == int64(c.cmd.Process.Pid)
			}, "execve"))
			if got := str(ex, "env"); got != c.want {
				t.Errorf("env %q (%d bytes), want %q", trim(got), len(got), trim(c.want))
			}
		})
	}
	b, err := capfile.Open(dir, capfile.ReaderOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range b.Manifest.Captured {
		if c.Name == "environment" && !c.Recorded {
			t.Errorf("manifest: environment not recorded: %s", c.Reason)
		}
	}
}

func trim(s string) string {
	if len(s) > 80 {
		return s[:40] + "..." + s[len(s)-40:]
	}
	return s
}
