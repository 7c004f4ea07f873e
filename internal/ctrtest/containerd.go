//go:build linux

package ctrtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Containerd is a containerd daemon started for one test, with its API at Socket.
type Containerd struct {
	Socket string
	dir    string
	d      *daemon
}

// StartContainerd starts containerd (without its CRI plugin, which wants a node) on a
// private socket, root and state directory; cleanup deletes the containers started through
// Run, stops the daemon by pid and removes its directories and cgroups.
func StartContainerd(t testing.TB) *Containerd {
	t.Helper()
	Need(t, "containerd", "ctr", "runc")
	dir := tempDir(t, "sk-ctrd-")
	c := &Containerd{Socket: filepath.Join(dir, "c.sock"), dir: dir}
	conf := fmt.Sprintf(`version = 2
root = %q
state = %q
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
[plugins."io.containerd.internal.v1.opt"]
  path = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), c.Socket, filepath.Join(dir, "opt"))
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	c.d = startDaemon(t, "containerd", filepath.Join(dir, "containerd.log"), "containerd", "--config", filepath.Join(dir, "config.toml"))
	t.Cleanup(func() { c.d.stop(t) })
	c.d.waitFor(t, func() error { _, err := runErr("ctr", "-a", c.Socket, "version"); return err })
	return c
}

// Ctr runs ctr against the daemon in namespace ns and returns its output.
func (c *Containerd) Ctr(t testing.TB, ns string, args ...string) string {
	t.Helper()
	return run(t, "ctr", append([]string{"-a", c.Socket, "-n", ns}, args...)...)
}

// ImportImage imports an OCI archive of rootfs (see Rootfs) as image name in namespace ns
// and returns the digest containerd gives the image: its manifest's.
func (c *Containerd) ImportImage(t testing.TB, ns, name, rootfs string) string {
	t.Helper()
	archive := filepath.Join(c.dir, strings.NewReplacer("/", "_", ":", "_").Replace(name)+".tar")
	digest, err := WriteOCIArchive(archive, name, rootfs)
	if err != nil {
		t.Fatal(err)
	}
	c.Ctr(t, ns, "image", "import", archive)
	return digest
}

// RunSpec is a container for Containerd.Run.
type RunSpec struct {
	Namespace, Image, ID string
	Cgroup               string            // cgroups path; "" lets containerd choose /NAMESPACE/ID
	Labels               map[string]string // containerd labels (CRI keeps the pod's there)
	Annotations          map[string]string // OCI spec annotations (CRI names the pod's sandbox there)
	Mounts               []string          // "source:dest:options" bind mounts (ctr --mount)
	Privileged           bool
	NetNS                string   // a network namespace to join (path); "" gives an empty one
	Args                 []string // the command, from the image's /bin
}

// Run starts a detached container and deletes it (task and container) at cleanup, then
// removes its cgroup.
func (c *Containerd) Run(t testing.TB, s RunSpec) {
	t.Helper()
	args := []string{"run", "-d"}
	if s.NetNS != "" {
		args = append(args, "--with-ns", "network:"+s.NetNS)
	}
	if s.Cgroup != "" {
		args = append(args, "--cgroup", s.Cgroup)
	}
	for k, v := range s.Labels {
		args = append(args, "--label", k+"="+v)
	}
	for k, v := range s.Annotations {
		args = append(args, "--annotation", k+"="+v)
	}
	for _, m := range s.Mounts {
		src, rest, _ := strings.Cut(m, ":")
		dst, opts, _ := strings.Cut(rest, ":")
		if opts == "" {
			opts = "rbind:rw"
		}
		args = append(args, "--mount", "type=bind,src="+src+",dst="+dst+",options="+opts)
	}
	if s.Privileged {
		args = append(args, "--privileged")
	}
	args = append(args, s.Image, s.ID)
	args = append(args, s.Args...)
	c.Ctr(t, s.Namespace, args...)
	t.Cleanup(func() { c.Delete(t, s.Namespace, s.ID, s.Cgroup) })
}

// Delete kills and deletes container id (no error when already gone) and removes its cgroup.
func (c *Containerd) Delete(t testing.TB, ns, id, cgroup string) {
	t.Helper()
	base := []string{"-a", c.Socket, "-n", ns}
	runErr("ctr", append(base, "task", "kill", "-a", "-s", "SIGKILL", id)...)
	for try := 0; try < 100; try++ {
		if _, err := runErr("ctr", append(base, "task", "delete", id)...); err == nil || strings.Contains(err.Error(), "not found") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	runErr("ctr", append(base, "container", "delete", id)...)
	if cgroup == "" {
		cgroup = "/" + ns + "/" + id
	}
	removeCgroups(t, cgroup)
}
