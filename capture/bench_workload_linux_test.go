//go:build linux && amd64

package capture_test

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// BenchmarkSensorWorkloads measures real workloads in every capture mode (benchModes), each
// round running the workload once per mode, rotating their order: redis-benchmark against a
// redis-server, wrk against nginx serving a static file, both on loopback, and a go build of
// saker from an empty build cache. Per mode it reports the median throughput loss (the
// requests per second the tool reports, against the run without capture), wall and CPU
// overhead (the workload's processes, per request: getrusage for clients, /proc for servers), lost events,
// and BPF time per recorded event from bpf_stats. A workload whose tool is missing is skipped
// with the Debian package to install. SAKER_BENCH_WORKLOAD_ROUNDS sets the rounds (default
// 3); SAKER_BENCH_GOBUILD names the packages the go build compiles (default ./cmd/saker, of a
// copy of the tree taken when the benchmark starts).
func BenchmarkSensorWorkloads(b *testing.B) {
	requireSensor(b)
	rounds := envInt("SAKER_BENCH_WORKLOAD_ROUNDS", 3)
	b.Run("redis", func(b *testing.B) {
		need(b, "redis-server", "redis-server")
		need(b, "redis-benchmark", "redis-tools")
		port := freePort(b)
		srv := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--protected-mode", "no", "--dir", b.TempDir())
		startServer(b, srv, port)
		requests := envInt("SAKER_BENCH_REDIS_REQUESTS", 200000)
		run := func(b *testing.B, _ int) workloadRun {
			cpu0 := procCPU(srv.Process.Pid)
			c := exec.Command("redis-benchmark", "-h", "127.0.0.1", "-p", strconv.Itoa(port),
				"-n", strconv.Itoa(requests), "-c", "50", "-t", "set,get", "-q", "--csv")
			start := time.Now()
			out, err := c.Output()
			if err != nil {
				b.Fatalf("redis-benchmark: %v\n%s", err, out)
			}
			w := workloadRun{wall: time.Since(start), cpu: childCPU(c.ProcessState) + procCPU(srv.Process.Pid) - cpu0}
			w.rate = redisRate(out)
			if w.rate == 0 {
				b.Fatalf("redis-benchmark printed no rate:\n%s", out)
			}
			return w
		}
		benchWorkload(b, rounds, run, 2*requests)
	})
	b.Run("nginx", func(b *testing.B) {
		need(b, "nginx", "nginx")
		need(b, "wrk", "wrk")
		dir := b.TempDir()
		port := freePort(b)
		if err := os.WriteFile(filepath.Join(dir, "index.html"), bytes.Repeat([]byte("saker bench\n"), 100), 0o644); err != nil {
			b.Fatal(err)
		}
		conf := filepath.Join(dir, "nginx.conf")
		if err := os.WriteFile(conf, fmt.Appendf(nil, nginxConf, dir, port), 0o644); err != nil {
			b.Fatal(err)
		}
		srv := exec.Command("nginx", "-c", conf, "-p", dir, "-e", filepath.Join(dir, "error.log"))
		startServer(b, srv, port)
		secs := envInt("SAKER_BENCH_WRK_SECONDS", 5)
		run := func(b *testing.B, _ int) workloadRun {
			pids := processTree(srv.Process.Pid)
			var cpu0 time.Duration
			for _, p := range pids {
				cpu0 += procCPU(p)
			}
			c := exec.Command("wrk", "-t", "1", "-c", "32", "-d", strconv.Itoa(secs)+"s",
				fmt.Sprintf("http://127.0.0.1:%d/index.html", port))
			start := time.Now()
			out, err := c.Output()
			if err != nil {
				b.Fatalf("wrk: %v\n%s", err, out)
			}
			w := workloadRun{wall: time.Since(start), cpu: childCPU(c.ProcessState) - cpu0}
			for _, p := range pids {
				w.cpu += procCPU(p)
			}
			w.rate, w.ops = wrkRate(out)
			if w.rate == 0 || w.ops == 0 {
				b.Fatalf("wrk printed no rate:\n%s", out)
			}
			return w
		}
		benchWorkload(b, rounds, run, 1)
	})
	b.Run("gobuild", func(b *testing.B) {
		goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goBin); err != nil {
			b.Skipf("no go command at %s", goBin)
		}
		// Build a copy of the tree as it is now, so that edits during the benchmark change
		// neither the work nor the result.
		root := copySource(b, "..")
		pkgs := strings.Fields(os.Getenv("SAKER_BENCH_GOBUILD"))
		if len(pkgs) == 0 {
			pkgs = []string{"./cmd/saker"}
		}
		run := func(b *testing.B, _ int) workloadRun {
			cache := b.TempDir()
			c := exec.Command(goBin, append([]string{"build", "-o", os.DevNull}, pkgs...)...)
			c.Dir = root
			c.Env = append(os.Environ(), "GOCACHE="+cache, "GOPROXY=off")
			start := time.Now()
			if out, err := c.CombinedOutput(); err != nil {
				b.Fatalf("go build: %v\n%s", err, out)
			}
			w := workloadRun{wall: time.Since(start), cpu: childCPU(c.ProcessState)}
			os.RemoveAll(cache)
			return w
		}
		benchWorkload(b, rounds, run, 1)
	})
}

// benchWorkload runs and reports one workload; ops is the operations (requests) of one run.
func benchWorkload(b *testing.B, rounds int, run func(*testing.B, int) workloadRun, ops int) {
	b.StopTimer()
	samples := runModes(b, rounds, run, 1)
	reportModes(b, samples, rounds, ops)
}

// nginxConf serves DIR (first argument) on 127.0.0.1:PORT with one worker (running as root,
// which can read the benchmark's private temporary directory), sendfile as Debian's
// configuration has it, without an access log, keeping every temporary file in DIR.
const nginxConf = `daemon off;
user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	sendfile on;
	client_body_temp_path %[1]s/body;
	proxy_temp_path %[1]s/proxy;
	fastcgi_temp_path %[1]s/fastcgi;
	uwsgi_temp_path %[1]s/uwsgi;
	scgi_temp_path %[1]s/scgi;
	server {
		listen 127.0.0.1:%[2]d;
		root %[1]s;
	}
}
`

// need skips b when the command is not installed.
func need(b *testing.B, cmd, pkg string) {
	if _, err := exec.LookPath(cmd); err != nil {
		b.Skipf("%s not installed (Debian package %s): skipping this workload", cmd, pkg)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(b *testing.B) int {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startServer starts srv and waits until it accepts connections on port; it stops srv when
// the benchmark ends.
func startServer(b *testing.B, srv *exec.Cmd, port int) {
	var out bytes.Buffer
	srv.Stdout, srv.Stderr = &out, &out
	if err := srv.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		srv.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { srv.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			srv.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp4", fmt.Sprintf("127.0.0.1:%d", port), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			b.Fatalf("%s does not listen on %d: %v\n%s", srv.Path, port, err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// processTree returns pid and its descendants.
func processTree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", out[i], out[i]))
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}

// redisRate returns the mean of the requests per second of redis-benchmark's --csv lines
// ("test","rps",...).
func redisRate(out []byte) float64 {
	var sum float64
	var n int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), ",")
		if len(f) < 2 {
			continue
		}
		v, err := strconv.ParseFloat(strings.Trim(f[1], `"`), 64)
		if err != nil {
			continue
		}
		sum += v
		n++
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

var (
	wrkRate1  = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkTotal  = regexp.MustCompile(`(?m)^\s*([0-9]+) requests in `)
	wrkErrors = regexp.MustCompile(`Non-2xx or 3xx responses|Socket errors`)
)

// wrkRate returns the requests per second and the requests wrk reports, or zeros when any
// request failed.
func wrkRate(out []byte) (rate, requests float64) {
	r, n := wrkRate1.FindSubmatch(out), wrkTotal.FindSubmatch(out)
	if r == nil || n == nil || wrkErrors.Match(out) {
		return 0, 0
	}
	rate, _ = strconv.ParseFloat(string(r[1]), 64)
	requests, _ = strconv.ParseFloat(string(n[1]), 64)
	return rate, requests
}

// copySource copies the module at dir, without .git, testdata, bin and out, into a temporary
// directory and returns it.
func copySource(b *testing.B, dir string) string {
	dst := b.TempDir()
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "testdata", "bin", "out":
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		b.Fatalf("copy the source: %v", err)
	}
	return dst
}
