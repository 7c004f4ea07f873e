//go:build linux

package lab

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"saker/capture"
	"saker/internal/ctrtest"
)

// probeRules print the container and Kubernetes fields of every /bin/true run in a container.
const probeRules = `- rule: Container metadata probe
  desc: a probe ran in one of the test's containers
  condition: evt.type = execve and proc.name = true and container.id != host
  output: >-
    probe (id=%container.id type=%container.type name=%container.name image=%container.image
    repo=%container.image.repository tag=%container.image.tag digest=%container.image.digest
    ns=%k8s.ns.name pod=%k8s.pod.name uid=%k8s.pod.uid labels=%k8s.pod.labels
    privileged=%container.privileged host=%container.mount.dest[/] env=%proc.env)
  priority: WARNING
`

// The pod of the Kubernetes-style containers: CRI-containerd's namespace, labels and
// cgroups, as a kubelet gives them (see ../shared/notes/containers.md).
const (
	e2ePodUID  = "3b1f0c2d-4e5a-4b6c-8d7e-9f0a1b2c3d4e"
	e2eSandbox = "5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b5b01"
	e2eApp     = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a102"
	e2eImage   = "registry.example.com/shop/web:2.0"
)

func e2ePodLabels(kind string) map[string]string {
	l := map[string]string{"io.kubernetes.pod.name": "web-5d8c", "io.kubernetes.pod.namespace": "shop",
		"io.kubernetes.pod.uid": e2ePodUID, "io.cri-containerd.kind": kind}
	if kind == "sandbox" {
		l["app"], l["tier"] = "web", "front"
	} else {
		l["io.kubernetes.container.name"] = "web"
	}
	return l
}

// TestRealContainersEndToEnd captures while real containerd and dockerd run containers, and
// checks what saker analyze makes of them:
//   - a pod's sandbox that runs before the capture starts (found by the /proc snapshot), into
//     which a probe is exec'd during the capture;
//   - the pod's app container, started during the capture (looked up when its first process
//     execs), which copies busybox to /tmp and runs the copy: drift from the overlay's upper
//     layer, while the image's own binaries are no drift;
//   - a Docker container created through the Engine API with the host's / mounted.
//
// Each probe's finding must carry what the runtimes know: image, digest, pod, namespace,
// name. It needs root, BTF, containerd, runc, dockerd and busybox-static.
func TestRealContainersEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds saker, starts container runtimes and captures")
	}
	ctrtest.Need(t, "containerd", "ctr", "runc", "dockerd", ctrtest.Busybox)
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs kernel BTF")
	}
	tmp := t.TempDir()
	saker := sakerBinary(t, tmp)

	ctrd := ctrtest.StartContainerd(t)
	dockerd := ctrtest.StartDockerd(t, ctrd)
	rootfs := ctrtest.Rootfs(t, nil)
	digest := ctrd.ImportImage(t, "k8s.io", e2eImage, rootfs)
	dockerd.ImportImage(t, "saker-test/tools:1.0", rootfs)
	cg := "/kubepods/besteffort/pod" + e2ePodUID + "/"
	ctrd.Run(t, ctrtest.RunSpec{Namespace: "k8s.io", Image: e2eImage, ID: e2eSandbox, Cgroup: cg + e2eSandbox,
		Labels: e2ePodLabels("sandbox"), Args: []string{"sleep", "600"}})

	dir := filepath.Join(tmp, "bundle")
	ready := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- capture.Run(ctx, capture.Options{Dir: dir, NoDNS: true, Ready: ready,
			DockerSocket: dockerd.Socket, ContainerdSocket: ctrd.Socket})
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("capture: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("capture not ready after 2 minutes")
	}

	// The runs below wait before their probes: a container's record is written when its
	// runtime has answered, and the replay puts it ahead of the events of its first 100 ms.
	ctrd.Ctr(t, "k8s.io", "task", "exec", "--exec-id", "probe", e2eSandbox, "/bin/true")
	ctrd.Run(t, ctrtest.RunSpec{Namespace: "k8s.io", Image: e2eImage, ID: e2eApp, Cgroup: cg + e2eApp,
		Labels: e2ePodLabels("container"), Annotations: map[string]string{"io.kubernetes.cri.sandbox-id": e2eSandbox},
		Args: []string{"sh", "-c", "sleep 1; /bin/true; cp /bin/busybox /tmp/xm; exec -a sleep /tmp/xm 1"}})
	dockerID := dockerd.Create(t, "escape", map[string]any{
		"Image": "saker-test/tools:1.0", "Env": []string{"FOO=bar"},
		"Cmd":        []string{"sh", "-c", "sleep 1; /bin/true"},
		"HostConfig": map[string]any{"NetworkMode": "none", "Binds": []string{"/:/host:ro"}},
	})
	for _, w := range []func() error{
		func() error { return waitExited(ctrd, e2eApp) },
		func() error { return waitDockerExited(dockerd, dockerID) },
	} {
		if err := w(); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // let the last records reach the ring buffer
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("capture: %v", err)
	}

	rules := filepath.Join(tmp, "probe.yaml")
	if err := os.WriteFile(rules, []byte(probeRules), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	an := exec.Command(saker, "analyze", dir, "--json", "-r", rules, "--progress=false")
	an.Stdout, an.Stderr = &stdout, &stderr
	if err := an.Run(); err != nil && !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("saker analyze: %v\n%s", err, stderr.Bytes())
	}
	fs, err := ParseFindings(stdout.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(stderr.String(), "container_metadata not captured") {
		t.Errorf("analyze warns of missing container metadata:\n%s", stderr.Bytes())
	}

	pod := map[string]string{
		"container.type": "containerd", "container.image": e2eImage, "container.mount.dest[/]": "<NA>", "container.image.repository": "registry.example.com/shop/web",
		"container.image.tag": "2.0", "container.image.digest": digest, "k8s.ns.name": "shop", "k8s.pod.name": "web-5d8c",
		"k8s.pod.uid": e2ePodUID, "k8s.pod.labels": "app=web tier=front", "container.privileged": "false",
	}
	with := func(m map[string]string, kv ...string) map[string]string {
		out := map[string]string{}
		for k, v := range m {
			out[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	want := map[string]map[string]string{
		e2eSandbox[:12]: with(pod, "container.name", ""), // CRI names no sandbox
		e2eApp[:12]:     with(pod, "container.name", "web"),
		dockerID[:12]: {"container.type": "docker", "container.name": "escape", "container.image": "saker-test/tools:1.0",
			"container.image.repository": "saker-test/tools", "container.image.tag": "1.0", "k8s.pod.name": "<NA>",
			"container.image.digest": "<NA>", "container.mount.dest[/]": "/host", "proc.env": "FOO=bar"},
	}
	drift := map[string][]string{}
	for _, f := range fs {
		id := f.Fields["container.id"]
		switch f.Rule {
		case "Container metadata probe":
			w, ok := want[id]
			if !ok {
				t.Errorf("probe in a container not started by the test: %s", f.Output)
				continue
			}
			delete(want, id)
			for k, v := range w {
				got := f.Fields[k]
				if k == "proc.env" {
					if !strings.Contains(" "+got+" ", " "+v+" ") {
						t.Errorf("%s: %s = %q, want it to hold %q", id, k, got, v)
					}
					continue
				}
				if got != v {
					t.Errorf("%s: %s = %q, want %q", id, k, got, v)
				}
			}
		case "Container Drift Upper Layer Executed":
			drift[id] = append(drift[id], f.Fields["proc.exepath"])
			if id == e2eApp[:12] && (f.Fields["container.name"] != "web" || f.Fields["container.image.repository"] != "registry.example.com/shop/web") {
				t.Errorf("drift finding without the container's metadata: %s", f.Output)
			}
		}
	}
	for id := range want {
		t.Errorf("no probe finding for container %s", id)
	}
	// Only the copy in /tmp is drift; sh, sleep, cp and true are the image's busybox.
	if got := drift[e2eApp[:12]]; len(got) != 1 || got[0] != "/tmp/xm" {
		t.Errorf("drift findings of the app container: exepaths %q, want [/tmp/xm]", got)
	}
	for _, id := range []string{e2eSandbox[:12], dockerID[:12]} {
		if len(drift[id]) > 0 {
			t.Errorf("drift findings in %s, which ran only image binaries: %q", id, drift[id])
		}
	}
	if t.Failed() {
		t.Logf("analyze stderr:\n%s\nfindings:\n%s", stderr.Bytes(), stdout.Bytes())
	}
}

// waitExited waits until the containerd task id (namespace k8s.io) has stopped.
func waitExited(c *ctrtest.Containerd, id string) error {
	return waitFor("containerd task "+id+" to stop", func() (bool, error) {
		out, err := exec.Command("ctr", "-a", c.Socket, "-n", "k8s.io", "task", "ls").Output()
		if err != nil {
			return false, err
		}
		for _, l := range strings.Split(string(out), "\n") {
			if f := strings.Fields(l); len(f) == 3 && f[0] == id {
				return f[2] == "STOPPED", nil
			}
		}
		return true, nil
	})
}

// waitDockerExited waits until the Docker container id has exited.
func waitDockerExited(d *ctrtest.Dockerd, id string) error {
	return waitFor("docker container "+id[:12]+" to exit", func() (bool, error) {
		var st struct{ State struct{ Running bool } }
		if err := d.API("GET", "/containers/"+id+"/json", nil, &st); err != nil {
			return false, err
		}
		return !st.State.Running, nil
	})
}

// waitFor polls done for at most a minute: a bound that only keeps a broken runtime from
// hanging the test.
func waitFor(what string, done func() (bool, error)) error {
	deadline := time.Now().Add(time.Minute)
	for {
		ok, err := done()
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for %s: not within a minute (last error: %v)", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
