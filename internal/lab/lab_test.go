package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"text/tabwriter"
	"time"
)

var update = flag.Bool("update", false, "copy the lab's captures (those under 1 MB) to testdata/captures/lab-*")

// maxCommitted is the size above which a lab capture is not copied into testdata.
const maxCommitted = 1 << 20

// repoRoot is the module root, relative to this package's directory.
const repoRoot = "../.."

// sakerBinary returns a saker binary: $SAKER_BIN when set (make lab passes bin/saker; a
// relative path is taken from the module root), otherwise one built from this checkout
// into dir.
func sakerBinary(t *testing.T, dir string) string {
	t.Helper()
	if p := os.Getenv("SAKER_BIN"); p != "" {
		if !filepath.IsAbs(p) {
			p = filepath.Join(repoRoot, p)
		}
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	out := filepath.Join(dir, "saker")
	goBuild(t, out, "./cmd/saker", false)
	return out
}

// goBuild builds the package pkg (a path relative to the module root) into out.
func goBuild(t *testing.T, out, pkg string, static bool) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = repoRoot
	if static {
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// analyze runs `saker analyze DIR --json` and parses its alerts.
func analyze(t *testing.T, saker, dir string) []Finding {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(saker, "analyze", dir, "--json")
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("saker analyze %s: %v\n%s", dir, err, stderr.Bytes())
	}
	t.Logf("saker analyze %s:\n%s", filepath.Base(dir), strings.TrimSpace(stderr.String()))
	fs, err := ParseFindings(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

// checkCapture checks the findings of the bundle at dir against c and logs the table.
func checkCapture(t *testing.T, c Capture, rec Record, dir string, fs []Finding) {
	t.Helper()
	roots := make([]uint32, 0, len(rec.Roots))
	for _, pid := range rec.Roots {
		roots = append(roots, pid)
	}
	tree, err := Descendants(dir, roots)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := Check(c, rec, fs, tree)
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "SCENARIO\tPID\tSEEN\tEXPECTED\n")
	for _, r := range rows {
		status := fmt.Sprint(r.Seen)
		if r.Expect.Gap != "" {
			status += " (known gap)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\n", r.Scenario, rec.Roots[r.Scenario], status, r.Expect)
	}
	tw.Flush()
	lab := 0
	for _, f := range fs {
		if _, ok := tree[f.PID]; ok {
			lab++
		}
	}
	t.Logf("%s: %d findings, %d of them for the lab's %d processes\n%s", c.Name, len(fs), lab, len(tree), b.String())
	for _, p := range problems {
		t.Error(p)
	}
}

// TestLabCaptures replays the lab captures committed under testdata/captures and checks the
// same findings as TestLab does live; it needs neither root nor namespaces.
func TestLabCaptures(t *testing.T) {
	if testing.Short() {
		t.Skip("builds saker")
	}
	var saker string
	binDir := t.TempDir()
	for _, c := range append(Captures[:len(Captures):len(Captures)], XMRigCapture) {
		t.Run(c.Name, func(t *testing.T) {
			dir := filepath.Join(repoRoot, "testdata", "captures", c.Name)
			b, err := os.ReadFile(filepath.Join(dir, "lab.json"))
			if errors.Is(err, fs.ErrNotExist) {
				t.Skipf("%s not committed (run `make lab` with -update as root to record it)", dir)
			}
			if err != nil {
				t.Fatal(err)
			}
			var rec Record
			if err := json.Unmarshal(b, &rec); err != nil {
				t.Fatalf("%s/lab.json: %v", dir, err)
			}
			if saker == "" {
				saker = sakerBinary(t, binDir)
			}
			checkCapture(t, c, rec, dir, analyze(t, saker, dir))
		})
	}
}

// TestLab builds the lab network, plays the scenarios under `saker capture` and checks the
// findings of `saker analyze --json`. It needs root and iproute2; `make lab` runs it alone.
func TestLab(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("the attack lab needs root (network namespaces, BPF capture): run `sudo make lab`")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		t.Skip("the attack lab needs iproute2's ip command")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("the attack lab needs util-linux's unshare command")
	}
	if testing.Short() {
		t.Skip("the attack lab takes a minute")
	}
	start := time.Now()
	if stale, err := RemoveStale(); err != nil {
		t.Fatal(err)
	} else if len(stale) > 0 {
		t.Logf("removed namespaces of earlier lab runs that did not clean up: %v", stale)
	}
	tag := fmt.Sprintf("saker-lab-%d", os.Getpid())
	dir, tmp := "/run/"+tag, "/tmp/"+tag
	t.Cleanup(func() {
		os.RemoveAll(dir)
		os.RemoveAll(tmp)
	})
	for _, d := range []string{dir + "/bin", dir + "/etc"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	testdata, err := filepath.Abs(filepath.Join(repoRoot, "testdata", "lab"))
	if err != nil {
		t.Fatal(err)
	}
	saker := sakerBinary(t, dir)
	goBuild(t, dir+"/bin/miner", "./testdata/lab/miner", true)
	goBuild(t, dir+"/bin/labtool", "./testdata/lab/labtool", true)
	for _, name := range []string{"xmrig", "syncd", "netmon", "kdevtmpfsi"} {
		if err := os.Link(dir+"/bin/miner", dir+"/bin/"+name); err != nil {
			t.Fatal(err)
		}
	}
	minerSHA, err := FileSHA256(dir + "/bin/miner")
	if err != nil {
		t.Fatal(err)
	}
	toolSHA, err := FileSHA256(dir + "/bin/labtool")
	if err != nil {
		t.Fatal(err)
	}
	// The lab's miners under every name they run as, and the copies of labtool the drift
	// scenarios write and run: each exec must carry the hash of its file.
	minerHashes := map[string]string{"miner": minerSHA, "xmrig": minerSHA, "syncd": minerSHA,
		"netmon": minerSHA, "kdevtmpfsi": minerSHA, "kworkerds": toolSHA, "kswapd0": toolSHA, "uringminer": toolSHA}
	// The stand-ins (testdata/lab/labtool/standins.go) the kill-chain scenarios find first
	// in PATH, so that no system program changes the host.
	// The io_uring miner of lab-evasion is a copy of labtool under a name of its own: a copy,
	// not a hard link, since every link made or removed elsewhere (the container image's)
	// changes the shared inode's ctime, and the exe hasher rightly refuses a file changed
	// since its exec when the short-lived miner is already gone.
	tool, err := os.ReadFile(dir + "/bin/labtool")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir+"/bin/uringminer", tool, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"modprobe", "ssh", "systemctl", "cpulimit", "useradd", "iptables", "crontab", "masscan", "dpkg"} {
		if err := os.Link(dir+"/bin/labtool", dir+"/bin/"+name); err != nil {
			t.Fatal(err)
		}
	}
	if err := Image(dir+"/ctr", dir+"/bin"); err != nil {
		t.Fatal(err)
	}
	cg, err := NewCgroup(tag)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := cg.Close(); err != nil {
			t.Errorf("lab cgroup cleanup: %v", err)
		}
	})
	conf := fmt.Sprintf(`{"autosave": false, "pools": [{"url": "mine.xmrpool.net:443", "user": %q, "pass": "x", "tls": false}]}`+"\n", Wallet)
	if err := os.WriteFile(dir+"/etc/syncd.json", []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("built saker and the lab programs in %s", time.Since(start).Round(time.Millisecond))

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
	lr := &labRun{net: n, vars: strings.NewReplacer("{dir}", dir, "{tmp}", tmp, "{testdata}", testdata),
		tmp: tmp, cgroup: cg}
	host, _ := os.Hostname()
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")

	for _, c := range Captures {
		t.Run(c.Name, func(t *testing.T) {
			rec := Record{Capture: c.Name, Dir: dir, Tmp: tmp, Roots: map[string]uint32{PoolRoot: poolPID},
				Host: host, Kernel: strings.TrimSpace(string(kernel))}
			capDir := filepath.Join(t.TempDir(), c.Name)
			var running []*exec.Cmd
			defer func() {
				for _, cmd := range running {
					cmd.Process.Kill()
					cmd.Wait()
				}
			}()
			for _, s := range c.Scenarios {
				if s.Before {
					cmd := lr.start(t, s)
					running = append(running, cmd)
					rec.Roots[s.Name] = uint32(cmd.Process.Pid)
				}
			}
			stop := startCapture(t, saker, capDir)
			for _, s := range c.Scenarios {
				if s.Before {
					continue
				}
				rec.Roots[s.Name] = lr.run(t, s)
			}
			// Let the running miners submit a few more shares before stopping.
			time.Sleep(700 * time.Millisecond)
			stop()
			for _, cmd := range running {
				cmd.Process.Kill()
				cmd.Wait()
			}
			running = nil
			b, _ := json.MarshalIndent(rec, "", "  ")
			if err := os.WriteFile(filepath.Join(capDir, "lab.json"), append(b, '\n'), 0o644); err != nil {
				t.Fatal(err)
			}
			checkCapture(t, c, rec, capDir, analyze(t, saker, capDir))
			n, problems, err := CheckExeHashes(capDir, minerHashes)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range problems {
				t.Error(p)
			}
			expectsFindings := false
			for _, s := range c.Scenarios {
				expectsFindings = expectsFindings || len(s.Expect) > 0
			}
			if n == 0 && expectsFindings {
				t.Errorf("%s: no executable record of a lab miner", c.Name)
			}
			t.Logf("%s: %d execs of lab miners and dropped tools, all with their sha256 (miner %s)", c.Name, n, minerSHA)
			size := dirSize(t, capDir)
			t.Logf("%s: %d bytes", c.Name, size)
			if *update {
				commit(t, capDir, c.Name, size)
			}
		})
	}
	t.Logf("lab done in %s", time.Since(start).Round(time.Millisecond))
}
