//go:build linux

package capture

import (
	"context"
	"strings"
	"testing"
	"time"

	"saker/cgroups"
	"saker/event"
	"saker/internal/ctrtest"
)

// Ids and pod of the CRI-style containers: a pod's sandbox and one container in it, as
// CRI-containerd makes them (namespace k8s.io, kubepods cgroups, labels and annotation).
const (
	podUID    = "7d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a"
	sandboxID = "5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a5a01"
	appID     = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c002"
	podImage  = "registry.example.com/shop/web:2.0"
)

func podLabels(kind string) map[string]string {
	l := map[string]string{
		"io.kubernetes.pod.name": "web-7d9f", "io.kubernetes.pod.namespace": "shop",
		"io.kubernetes.pod.uid": podUID, "io.cri-containerd.kind": kind,
	}
	if kind == "sandbox" {
		l["app"], l["tier"] = "web", "front"
	} else {
		l["io.kubernetes.container.name"] = "web"
	}
	return l
}

// runPod starts the sandbox and the app container of the pod in ctrd, the app one
// privileged and with the host's /etc mounted read-only.
func runPod(t *testing.T, ctrd *ctrtest.Containerd, image string, args ...string) {
	t.Helper()
	cg := "/kubepods/besteffort/pod" + podUID + "/"
	ctrd.Run(t, ctrtest.RunSpec{Namespace: "k8s.io", Image: image, ID: sandboxID, Cgroup: cg + sandboxID,
		Labels: podLabels("sandbox"), Args: []string{"sleep", "600"}})
	ctrd.Run(t, ctrtest.RunSpec{Namespace: "k8s.io", Image: image, ID: appID, Cgroup: cg + appID,
		Labels: podLabels("container"), Annotations: map[string]string{criSandboxID: sandboxID},
		Privileged: true, Mounts: []string{"/etc:/host-etc:rbind:ro"}, Args: args})
}

func argText(a map[string]event.Arg, k string) string { return string(a[k].Bytes) }

// TestContainerdMetadata asks a real containerd about a CRI-style pod container, a native
// container of the default namespace and an id it does not know.
func TestContainerdMetadata(t *testing.T) {
	ctrd := ctrtest.StartContainerd(t)
	rootfs := ctrtest.Rootfs(t, nil)
	digest := ctrd.ImportImage(t, "k8s.io", podImage, rootfs)
	ctrd.ImportImage(t, "default", "example.com/tools/busybox:1", rootfs)
	before := time.Now()
	runPod(t, ctrd, podImage, "sleep", "600")
	after := time.Now()
	nativeID := strings.Repeat("ab", 32)
	ctrd.Run(t, ctrtest.RunSpec{Namespace: "default", Image: "example.com/tools/busybox:1", ID: nativeID, Args: []string{"sleep", "600"}})

	m := newContainerMeta("/nonexistent/docker.sock", ctrd.Socket)
	defer m.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	app := m.args(ctx, cgroups.Parse("/kubepods/besteffort/pod"+podUID+"/"+appID))
	want := map[string]string{
		"id": appID, "name": "web", "image": podImage, "image_digest": digest, "runtime": "containerd",
		"pod_uid": podUID, "pod_labels": "app=web\x00tier=front\x00", "oci_runtime": "io.containerd.runc.v2",
		"source": "containerd:k8s.io", "mounts": "/etc:/host-etc::false:\x00",
		"labels": "io.containerd.image.config.stop-signal=SIGTERM\x00io.cri-containerd.kind=container\x00io.kubernetes.container.name=web\x00io.kubernetes.pod.name=web-7d9f\x00" +
			"io.kubernetes.pod.namespace=shop\x00io.kubernetes.pod.uid=" + podUID + "\x00",
	}
	for k, v := range want {
		if got := argText(app, k); got != v {
			t.Errorf("pod container %s = %q, want %q", k, got, v)
		}
	}
	if app["privileged"].Int != 1 {
		t.Errorf("pod container privileged = %d, want 1 (ctr --privileged)", app["privileged"].Int)
	}
	if st := time.Unix(0, app["start_ts"].Int); st.Before(before) || st.After(after) {
		t.Errorf("pod container start_ts %v: not its creation, between %v and %v", st, before, after)
	}

	// The sandbox is its own pod's: its labels are the pod's.
	sb := m.args(ctx, cgroups.Parse("/kubepods/besteffort/pod"+podUID+"/"+sandboxID))
	if got := argText(sb, "pod_labels"); got != "app=web\x00tier=front\x00" {
		t.Errorf("sandbox pod_labels %q", got)
	}

	// A native container: found in the namespace its cgroup path names, not privileged.
	native := m.args(ctx, cgroups.Parse("/default/"+nativeID))
	if argText(native, "source") != "containerd:default" || argText(native, "image") != "example.com/tools/busybox:1" ||
		native["privileged"].Int != 0 || argText(native, "name") != "" || argText(native, "pod_labels") != "" {
		t.Errorf("native container: %v", native)
	}

	// Unknown to every namespace: what the cgroup path tells, and the manifest says so.
	gone := strings.Repeat("0f", 32)
	ga := m.args(ctx, cgroups.Parse("/kubepods/burstable/pod"+podUID+"/"+gone))
	if argText(ga, "source") != "cgroup" || argText(ga, "runtime") != "containerd" || argText(ga, "pod_uid") != podUID ||
		argText(ga, "image") != "" {
		t.Errorf("unknown container: %v", ga)
	}
	m.claim(appID)
	m.claim(sandboxID)
	m.claim(nativeID)
	m.claim(gone)
	caps := m.capabilities()
	byName := map[string]string{}
	for _, c := range caps {
		byName[c.Name] = c.Reason
		if c.Name == "container_metadata_containerd" && !c.Recorded {
			t.Errorf("containerd capability not recorded: %+v", c)
		}
	}
	if r := byName["container_metadata"]; r != "4 containers: 0 described by the Docker Engine, 3 by containerd, 1 by their cgroup path only" {
		t.Errorf("container_metadata: %q", r)
	}
	if r := byName["container_metadata_containerd"]; !strings.Contains(r, "asked about 4 containers, knew 3") {
		t.Errorf("container_metadata_containerd: %q", r)
	}
	if r := byName["container_metadata_docker"]; !strings.Contains(r, "asked no more after") {
		t.Errorf("container_metadata_docker (socket absent): %q", r)
	}
}

// TestContainerdDown: a socket nobody answers on is asked once, then not again, and the
// manifest says why.
func TestContainerdDown(t *testing.T) {
	m := newContainerMeta("/nonexistent/docker.sock", t.TempDir()+"/gone.sock")
	defer m.close()
	for i := 0; i < 3; i++ {
		a := m.args(context.Background(), cgroups.Ref{ID: strings.Repeat("ab", 32), Runtime: cgroups.Containerd})
		if argText(a, "source") != "cgroup" {
			t.Fatalf("source %q", argText(a, "source"))
		}
	}
	if m.ctrds.asked != 1 || m.docks.asked != 1 {
		t.Errorf("asked containerd %d times, docker %d times; want once each", m.ctrds.asked, m.docks.asked)
	}
	for _, c := range m.capabilities() {
		if c.Name == "container_metadata_containerd" && (c.Recorded || !strings.Contains(c.Reason, "asked about 1 containers, knew 0; asked no more after")) {
			t.Errorf("%+v", c)
		}
	}
}

// TestDockerMetadata asks a real dockerd about a container created through its API (as a
// program that is not the Docker CLI does) with the host's / mounted. Its containerd holds the
// container too (namespace moby, without Docker's metadata): Docker must answer first.
func TestDockerMetadata(t *testing.T) {
	ctrd := ctrtest.StartContainerd(t)
	dockerd := ctrtest.StartDockerd(t, ctrd)
	rootfs := ctrtest.Rootfs(t, nil)
	dockerd.ImportImage(t, "saker-test/tools:1.0", rootfs)
	id := dockerd.Create(t, "escape", map[string]any{
		"Image": "saker-test/tools:1.0", "Cmd": []string{"sleep", "600"}, "Labels": map[string]string{"team": "blue"},
		"HostConfig": map[string]any{"NetworkMode": "none", "Binds": []string{"/:/host"}},
	})
	m := newContainerMeta(dockerd.Socket, ctrd.Socket)
	defer m.close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a := m.args(ctx, cgroups.Parse("/docker/"+id))
	want := map[string]string{"id": id, "name": "escape", "image": "saker-test/tools:1.0", "runtime": "docker",
		"source": "docker", "labels": "team=blue\x00", "mounts": "/:/host::true:rslave\x00", "image_digest": ""}
	for k, v := range want {
		if got := argText(a, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if a["privileged"].Int != 0 || a["start_ts"].Int == 0 {
		t.Errorf("privileged %d start_ts %d", a["privileged"].Int, a["start_ts"].Int)
	}
	// containerd's moby namespace knows the id, without name or labels.
	cc, err := m.ctrd.lookup(ctx, id, "")
	if err != nil || cc.namespace != "moby" {
		t.Fatalf("containerd lookup: %v %+v", err, cc)
	}
}
