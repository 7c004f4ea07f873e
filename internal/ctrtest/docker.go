//go:build linux

package ctrtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

// Dockerd is a Docker Engine started for one test, with its API at Socket.
type Dockerd struct {
	Socket string
	dir    string
	d      *daemon
	hc     *http.Client
}

// StartDockerd starts dockerd on a private socket, data root and exec root, using the given
// containerd (its containers land in that containerd's "moby" namespace), with no bridge,
// no iptables rules and no IP forwarding: it changes nothing of the host's network. Cleanup
// removes the containers started through Create, stops the daemon by pid and removes its
// directories and cgroups.
func StartDockerd(t testing.TB, ctrd *Containerd) *Dockerd {
	t.Helper()
	Need(t, "dockerd")
	dir := tempDir(t, "sk-dockerd-")
	d := &Dockerd{Socket: filepath.Join(dir, "d.sock"), dir: dir}
	d.hc = &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var nd net.Dialer
		return nd.DialContext(ctx, "unix", d.Socket)
	}}, Timeout: cmdTimeout}
	os.WriteFile(filepath.Join(dir, "daemon.json"), []byte("{}"), 0o600)
	d.d = startDaemon(t, "dockerd", filepath.Join(dir, "dockerd.log"), "dockerd",
		"--config-file", filepath.Join(dir, "daemon.json"),
		"--iptables=false", "--ip6tables=false", "--bridge=none", "--ip-forward=false", "--ip-masq=false",
		"--userland-proxy=false", "--exec-opt", "native.cgroupdriver=cgroupfs",
		"--containerd", ctrd.Socket, "--data-root", filepath.Join(dir, "data"), "--exec-root", filepath.Join(dir, "exec"),
		"-H", "unix://"+d.Socket, "-p", filepath.Join(dir, "dockerd.pid"))
	t.Cleanup(func() { d.d.stop(t) })
	d.d.waitFor(t, func() error { return d.API("GET", "/_ping", nil, nil) })
	return d
}

// API sends one request to the engine; in, when not nil, is the JSON body, out receives the
// JSON answer. A status of 300 or more is an error with the engine's message.
func (d *Dockerd) API(method, path string, in, out any) error {
	var body io.Reader
	if b, ok := in.([]byte); ok {
		body = bytes.NewReader(b)
	} else if in != nil {
		j, _ := json.Marshal(in)
		body = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, "http://docker"+path, body)
	if err != nil {
		return err
	}
	if _, ok := in.([]byte); ok {
		req.Header.Set("Content-Type", "application/x-tar")
	} else if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := d.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// ImportImage imports rootfs as image name (repo:tag), as `docker import` does, and returns
// the image's id.
func (d *Dockerd) ImportImage(t testing.TB, name, rootfs string) string {
	t.Helper()
	layer, err := LayerTar(rootfs)
	if err != nil {
		t.Fatal(err)
	}
	repo, tag := name, "latest"
	if i := bytes.LastIndexByte([]byte(name), ':'); i > 0 {
		repo, tag = name[:i], name[i+1:]
	}
	if err := d.API("POST", "/images/create?fromSrc=-&repo="+repo+"&tag="+tag, layer, nil); err != nil {
		t.Fatal(err)
	}
	var img struct {
		ID string `json:"Id"`
	}
	if err := d.API("GET", "/images/"+name+"/json", nil, &img); err != nil {
		t.Fatal(err)
	}
	return img.ID
}

// Create creates and starts a container through the Engine API (as a program that is not
// the Docker CLI does) from the ContainerCreate body spec, names it name, and returns its
// id. Cleanup removes it (forced) and its cgroup.
func (d *Dockerd) Create(t testing.TB, name string, spec map[string]any) string {
	t.Helper()
	var created struct {
		ID string `json:"Id"`
	}
	if err := d.API("POST", "/containers/create?name="+name, spec, &created); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.API("DELETE", "/containers/"+created.ID+"?force=1&v=1", nil, nil); err != nil {
			t.Errorf("remove container %s: %v", name, err)
		}
		removeCgroups(t, "/docker/"+created.ID)
	})
	if err := d.API("POST", "/containers/"+created.ID+"/start", nil, nil); err != nil {
		t.Fatal(err)
	}
	return created.ID
}
