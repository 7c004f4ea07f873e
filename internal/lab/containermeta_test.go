//go:build linux

package lab

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"saker/capture"
)

// inspectFixture is capture's Docker Engine ContainerInspectResponse fixture; its id is
// replaced by the lab's ContainerID.
const (
	inspectFixture = repoRoot + "/capture/testdata/docker/inspect.json"
	fixtureID      = "5ac1d0c0ffee5ac1d0c0ffee5ac1d0c0ffee5ac1d0c0ffee5ac1d0c0ffee0001"
)

// probeRules print the container and environment fields of the probe's exec.
const probeRules = `- rule: Container metadata probe
  desc: the probe ran in the lab container
  condition: evt.type = execve and proc.name = ctrprobe and container.id != host
  output: probe (name=%container.name image=%container.image repo=%container.image.repository tag=%container.image.tag pod=%k8s.pod.name ns=%k8s.ns.name privileged=%container.privileged env=%proc.env)
  priority: WARNING
`

// TestContainerMetadataEndToEnd captures with a fake Docker Engine that knows the lab
// container, runs a process in the container's cgroup with a chosen environment, and checks
// that saker analyze serves the engine's metadata and the environment to a rule.
func TestContainerMetadataEndToEnd(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: BPF capture and a cgroup")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs kernel BTF")
	}
	if testing.Short() {
		t.Skip("builds saker and captures")
	}
	tmp := t.TempDir()
	fixture, err := os.ReadFile(inspectFixture)
	if err != nil {
		t.Fatal(err)
	}
	sock := serveDocker(t, filepath.Join(tmp, "docker.sock"), ContainerID,
		bytes.ReplaceAll(fixture, []byte(fixtureID), []byte(ContainerID)))
	cg, err := NewCgroup(fmt.Sprintf("saker-ctrmeta-%d", os.Getpid()))
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	// A process already in the container when the capture starts: the snapshot finds the
	// container through it and asks the engine.
	idle := exec.Command("sleep", "30")
	cg.Start(idle)
	if err := idle.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { idle.Process.Kill(); idle.Wait() }()

	dir := filepath.Join(tmp, "bundle")
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- capture.Run(ctx, capture.Options{Dir: dir, NoDNS: true, DockerSocket: sock, Ready: ready})
	}()
	select {
	case <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("capture: %v", err)
	}
	probe := filepath.Join(tmp, "ctrprobe")
	b, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(probe, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(probe)
	cmd.Env = []string{"FOO=bar", "LD_PRELOAD=/tmp/x.so"}
	cg.Start(cmd)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("probe: %v\n%s", err, out)
	}
	time.Sleep(100 * time.Millisecond) // let the records reach the ring buffer
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("capture: %v", err)
	}

	rules := filepath.Join(tmp, "probe.yaml")
	if err := os.WriteFile(rules, []byte(probeRules), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	an := exec.Command(sakerBinary(t, tmp), "analyze", dir, "--json", "--no-default-rules", "-r", rules, "--progress=false")
	an.Stdout, an.Stderr = &stdout, &stderr
	if err := an.Run(); err != nil {
		t.Fatalf("saker analyze: %v\n%s", err, stderr.Bytes())
	}
	if strings.Contains(stderr.String(), "container_metadata not captured") {
		t.Errorf("analyze warns of missing container metadata:\n%s", stderr.Bytes())
	}
	fs, err := ParseFindings(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 1 {
		t.Fatalf("%d findings, want the probe's one:\n%s\n%s", len(fs), stdout.Bytes(), stderr.Bytes())
	}
	want := map[string]string{
		"container.name":             "k8s_nginx_web-0_prod_8d3f2c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6_0",
		"container.image":            "registry.example.com:5000/team/nginx:1.25.3",
		"container.image.repository": "registry.example.com:5000/team/nginx",
		"container.image.tag":        "1.25.3",
		"k8s.pod.name":               "web-0",
		"k8s.ns.name":                "prod",
		"container.privileged":       "true",
		"proc.env":                   "FOO=bar LD_PRELOAD=/tmp/x.so",
	}
	for k, v := range want {
		if got := fs[0].Fields[k]; got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	t.Logf("finding: %s", fs[0].Output)
}

// serveDocker answers GET /containers/ID/json on a unix socket at path with body, and any
// other container with the engine's 404; it returns path.
func serveDocker(t *testing.T, path, id string, body []byte) string {
	t.Helper()
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PathValue("id") != id {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprintf(w, `{"message":"No such container: %s"}`, r.PathValue("id"))
			return
		}
		w.Write(body)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return path
}
