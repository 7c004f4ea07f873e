//go:build linux

package capture

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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

func TestRuntimeCapability(t *testing.T) {
	fail := errors.New("dial unix /d.sock: connect: connection refused")
	for _, c := range []struct {
		name, sock string
		st         askStats
		recorded   bool
		reason     string
	}{
		{"no socket", "", askStats{}, false, "no socket"},
		{"nothing asked", "/d.sock", askStats{}, true, "Docker Engine at /d.sock: asked about 0 containers, knew 0"},
		{"some known", "/d.sock", askStats{asked: 3, found: 2}, true, "Docker Engine at /d.sock: asked about 3 containers, knew 2"},
		{"down", "/d.sock", askStats{asked: 1, failed: fail}, false,
			"Docker Engine at /d.sock: asked about 1 containers, knew 0; asked no more after: " + fail.Error()},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := runtimeCapability("docker", "Docker Engine", c.sock, "no socket", c.st)
			if got.Name != "container_metadata_docker" || got.Recorded != c.recorded || got.Reason != c.reason {
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
