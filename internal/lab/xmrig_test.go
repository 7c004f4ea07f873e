package lab

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// hugePageFiles are the huge page pool sizes a miner may raise; TestXMRig puts them back.
func hugePageFiles() []string {
	fs, _ := filepath.Glob("/sys/devices/system/node/node*/hugepages/hugepages-*/nr_hugepages")
	return append(fs, "/proc/sys/vm/nr_hugepages")
}

// TestXMRig records XMRigCapture with the real XMRig named by SAKER_XMRIG (root only; see
// XMRigCapture). With -update it copies the capture to testdata/captures/lab-xmrig.
func TestXMRig(t *testing.T) {
	xmrig := os.Getenv("SAKER_XMRIG")
	if xmrig == "" || os.Geteuid() != 0 || testing.Short() {
		t.Skip("records a real XMRig: SAKER_XMRIG=/path/to/xmrig, as root")
	}
	saved := map[string][]byte{}
	for _, f := range hugePageFiles() {
		if b, err := os.ReadFile(f); err == nil {
			saved[f] = b
		}
	}
	t.Cleanup(func() {
		for f, b := range saved {
			if err := os.WriteFile(f, b, 0o644); err != nil {
				t.Errorf("restoring %s: %v", f, err)
			}
		}
	})
	if _, err := RemoveStale(); err != nil {
		t.Fatal(err)
	}
	tag := fmt.Sprintf("saker-lab-%d", os.Getpid())
	dir, tmp := "/run/"+tag, "/tmp/"+tag
	t.Cleanup(func() {
		os.RemoveAll(dir)
		os.RemoveAll(tmp)
	})
	for _, d := range []string{dir + "/bin", dir + "/etc", tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	saker := sakerBinary(t, dir)
	b, err := os.ReadFile(xmrig)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"xmrig", "syncd", "dbus-sync"} {
		if err := os.WriteFile(dir+"/bin/"+name, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for name, tls := range map[string]bool{"syncd.json": false, "tls.json": true} {
		if err := os.WriteFile(dir+"/etc/"+name, []byte(XMRigConfig(tls)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := Setup(tag)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := n.Close(); err != nil {
			t.Errorf("lab network cleanup: %v", err)
		}
	})
	poolPID := startHelper(t, n)
	lr := &labRun{net: n, vars: strings.NewReplacer("{dir}", dir, "{tmp}", tmp, "{testdata}", ""), tmp: tmp}
	host, _ := os.Hostname()
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	c := XMRigCapture
	rec := Record{Capture: c.Name, Dir: dir, Tmp: tmp, Roots: map[string]uint32{PoolRoot: poolPID},
		Host: host, Kernel: strings.TrimSpace(string(kernel))}
	capDir := filepath.Join(t.TempDir(), c.Name)
	stop := startCapture(t, saker, capDir)
	for _, s := range c.Scenarios {
		rec.Roots[s.Name] = lr.run(t, s)
	}
	time.Sleep(500 * time.Millisecond)
	stop()
	out, _ := json.MarshalIndent(rec, "", "  ")
	if err := os.WriteFile(filepath.Join(capDir, "lab.json"), append(out, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	checkCapture(t, c, rec, capDir, analyze(t, saker, capDir))
	size := dirSize(t, capDir)
	t.Logf("%s: %d bytes", c.Name, size)
	if *update {
		commit(t, capDir, c.Name, size)
	}
}
