//go:build linux

package capture

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"saker/capfile"
)

// inspectFixture is a Docker Engine ContainerInspectResponse for fixtureID, written after the
// example in the Engine API reference (ContainerInspectResponse, v1.41 to v1.5x) with a
// Kubernetes pod's labels, a privileged HostConfig and the docker.sock bind mount that the
// container rules look for.
const (
	inspectFixture = "testdata/docker/inspect.json"
	fixtureID      = "5ac1d0c0ffee5ac1d0c0ffee5ac1d0c0ffee5ac1d0c0ffee5ac1d0c0ffee0001"
)

// fakeDocker serves GET /containers/{id}/json on a unix socket in a temporary directory, as a
// Docker Engine does: the body of containers[id] with 200, or 404 and Docker's error JSON. It
// returns the socket path and the ids asked for.
func fakeDocker(t testing.TB, containers map[string][]byte) (socket string, asked func() []string) {
	t.Helper()
	socket = filepath.Join(t.TempDir(), "docker.sock")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var ids []string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containers/{id}/json", func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		mu.Lock()
		ids = append(ids, id)
		mu.Unlock()
		w.Header().Set("Api-Version", "1.47")
		w.Header().Set("Content-Type", "application/json")
		body, ok := containers[id]
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			w.Write([]byte(`{"message":"No such container: ` + id + `"}`))
			return
		}
		w.Write(body)
	})
	srv := &http.Server{Handler: mux}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return socket, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ids...)
	}
}

func readFixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile(inspectFixture)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantFixtureArgs are the containerinfo parameters of inspectFixture, as text.
var wantFixtureArgs = map[string]string{
	"name":  "k8s_nginx_web-0_prod_8d3f2c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6_0",
	"image": "registry.example.com:5000/team/nginx:1.25.3",
	"labels": "io.kubernetes.container.name=nginx\x00io.kubernetes.pod.name=web-0\x00" +
		"io.kubernetes.pod.namespace=prod\x00io.kubernetes.pod.uid=8d3f2c1a-1b2c-4d5e-8f90-a1b2c3d4e5f6\x00" +
		"maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>\x00",
	"mounts": "/var/run/docker.sock:/var/run/docker.sock::true:rprivate\x00" +
		"/srv/web:/usr/share/nginx/html:ro:false:rprivate\x00",
}

// fixtureStart is the fixture's State.StartedAt.
var fixtureStart = time.Date(2026, 11, 26, 9, 12, 4, 118307429, time.UTC).UnixNano()

func TestDockerInspect(t *testing.T) {
	sock, asked := fakeDocker(t, map[string][]byte{
		fixtureID: readFixture(t),
		"broken":  []byte(`{"Id": `),
	})
	c := newDockerClient(sock)
	defer c.close()
	ctx := context.Background()
	dc, err := c.inspect(ctx, fixtureID)
	if err != nil {
		t.Fatal(err)
	}
	args := dc.args()
	for k, want := range wantFixtureArgs {
		if got := string(args[k].Bytes); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if args["privileged"].Int != 1 || args["start_ts"].Int != fixtureStart {
		t.Errorf("privileged %d start_ts %d, want 1 %d", args["privileged"].Int, args["start_ts"].Int, fixtureStart)
	}
	if _, err := c.inspect(ctx, "0123"); !errors.Is(err, errNoContainer) {
		t.Errorf("unknown container: %v, want errNoContainer", err)
	}
	if _, err := c.inspect(ctx, "broken"); err == nil || errors.Is(err, errNoContainer) {
		t.Errorf("truncated JSON: %v", err)
	}
	if got := strings.Join(asked(), " "); got != fixtureID+" 0123 broken" {
		t.Errorf("asked for %s", got)
	}
}

func TestDockerInspectNeverStarted(t *testing.T) {
	dc := &dockerContainer{Name: "/created", Created: "2026-11-26T09:12:03.64001363Z"}
	dc.State.StartedAt = "0001-01-01T00:00:00Z"
	a := dc.args()
	if want := time.Date(2026, 11, 26, 9, 12, 3, 640013630, time.UTC).UnixNano(); a["start_ts"].Int != want {
		t.Errorf("start_ts %d, want Created %d", a["start_ts"].Int, want)
	}
	if string(a["name"].Bytes) != "created" || a["labels"].Bytes != nil || a["privileged"].Int != 0 {
		t.Errorf("args %v", a)
	}
}

func TestDockerSocket(t *testing.T) {
	for _, c := range []struct {
		name, explicit, env, path, why string
	}{
		{"explicit wins", "/tmp/d.sock", "unix:///run/other.sock", "/tmp/d.sock", ""},
		{"DOCKER_HOST unix", "", "unix:///run/user/1000/docker.sock", "/run/user/1000/docker.sock", ""},
		{"DOCKER_HOST tcp", "", "tcp://10.0.0.5:2376", "", "DOCKER_HOST=tcp://10.0.0.5:2376 is not a unix:// socket"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("DOCKER_HOST", c.env)
			path, why := dockerSocket(c.explicit)
			if path != c.path || !strings.HasPrefix(why, c.why) {
				t.Errorf("got %q %q, want %q %q", path, why, c.path, c.why)
			}
		})
	}
}

func TestDockerCapability(t *testing.T) {
	fail := errors.New("dial unix /d.sock: connect: connection refused")
	for _, c := range []struct {
		name                     string
		sock                     string
		seen, inspected, unknown int
		failed                   error
		recorded                 bool
		reason                   string
	}{
		{"no engine", "", 2, 0, 0, nil, false, "no socket: container ids and runtimes come from cgroup paths only"},
		{"no containers", "/d.sock", 0, 0, 0, nil, true, "Docker Engine at /d.sock: no container in the /proc snapshot"},
		{"all", "/d.sock", 2, 2, 0, nil, true, "Docker Engine at /d.sock: 2 of 2 containers inspected"},
		{"some unknown", "/d.sock", 3, 2, 1, nil, false,
			"Docker Engine at /d.sock: 2 of 3 containers inspected; 1 unknown to it (another runtime's, or exited)"},
		{"down", "/d.sock", 2, 0, 0, fail, false,
			"Docker Engine at /d.sock: 0 of 2 containers inspected; asked no more after: " + fail.Error()},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := dockerCapability(c.sock, "no socket", c.seen, c.inspected, c.unknown, c.failed)
			if got.Name != "container_metadata" || got.Recorded != c.recorded || got.Reason != c.reason {
				t.Errorf("got %+v\nwant recorded %v reason %q", got, c.recorded, c.reason)
			}
		})
	}
}

func TestReadEnv(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, in, want string }{
		{"empty", "", ""},
		{"whole", "A=1\x00B=2\x00", "A=1\x00B=2\x00"},
		{"cut", "A=1\x00" + strings.Repeat("x", maxEnv), "A=1\x00" + strings.Repeat("x", maxEnv-4) + "\x00"},
	} {
		p := filepath.Join(dir, c.name)
		os.WriteFile(p, []byte(c.in), 0o600)
		if got := readEnv(p); !bytes.Equal(got, []byte(c.want)) {
			t.Errorf("%s: got %q", c.name, got)
		}
	}
	if readEnv(filepath.Join(dir, "missing")) != nil {
		t.Error("missing file: want nil")
	}
}

// TestSnapshotContainers runs the containerinfo step alone against an engine that knows one
// of two containers and against a socket nobody listens on.
func TestSnapshotContainers(t *testing.T) {
	sock, asked := fakeDocker(t, map[string][]byte{fixtureID: readFixture(t)})
	other := strings.Repeat("ab", 32)
	ids := map[string]string{fixtureID: "docker", other: "containerd"}
	for _, c := range []struct {
		name, sock string
		recorded   bool
		reason     string
	}{
		{"one known", sock, false, "Docker Engine at " + sock +
			": 1 of 2 containers inspected; 1 unknown to it (another runtime's, or exited)"},
		{"engine down", filepath.Join(t.TempDir(), "gone.sock"), false, "asked no more after: "},
	} {
		t.Run(c.name, func(t *testing.T) {
			w, err := capfile.Create(filepath.Join(t.TempDir(), "b"), capfile.WriterOptions{})
			if err != nil {
				t.Fatal(err)
			}
			var n atomic.Uint64
			s := &snapshotWriter{w: w, n: &n}
			caps, err := s.containers(context.Background(), ids, c.sock)
			if err != nil {
				t.Fatal(err)
			}
			w.Close()
			if caps[0].Recorded != c.recorded || !strings.Contains(caps[0].Reason, c.reason) {
				t.Errorf("capability %+v, want reason with %q", caps[0], c.reason)
			}
			if n.Load() != 2 {
				t.Errorf("%d containerinfo records, want 2", n.Load())
			}
		})
	}
	// Sorted ids: the engine is asked in a stable order.
	if got := asked(); len(got) != 2 || got[0] != fixtureID || got[1] != other {
		t.Errorf("engine asked for %q", got)
	}
}
