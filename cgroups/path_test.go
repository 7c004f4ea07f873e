package cgroups

import (
	"strings"
	"testing"
)

const (
	id  = "3f0c2a1b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"
	id2 = "9e8d7c6b5a4938271605f4e3d2c1b0a99e8d7c6b5a4938271605f4e3d2c1b0a9"
	uid = "0b7c5a2e-1f3d-4c6b-9a8e-7d6c5b4a3f21"
)

// The shapes below are the runtimes' documented naming (runc's cgroupfs and systemd drivers,
// kubelet's QoS slices); the ctr, docker and CRI-style ones were read from /proc/PID/cgroup on
// this project's machines (docs in ../shared/notes/containers.md); the systemd-driver ones are
// written as strings, no systemd running there.
func TestParse(t *testing.T) {
	uu := strings.ReplaceAll(uid, "-", "_")
	tests := []struct {
		name, path string
		want       Ref
	}{
		{"host root", "/", Ref{}},
		{"host service", "/system.slice/ssh.service", Ref{}},
		{"user session", "/user.slice/user-1000.slice/session-3.scope", Ref{}},
		{"empty", "", Ref{}},
		{"docker cgroupfs", "/docker/" + id, Ref{ID: id, Runtime: Docker}},
		{"docker systemd", "/system.slice/docker-" + id + ".scope", Ref{ID: id, Runtime: Docker}},
		{"docker nested cgroup", "/docker/" + id + "/init.scope", Ref{ID: id, Runtime: Docker}},
		{"containerd native", "/default/" + id, Ref{ID: id, Runtime: Containerd, Namespace: "default"}},
		{"containerd native k8s.io", "/k8s.io/" + id, Ref{ID: id, Runtime: Containerd, Namespace: "k8s.io"}},
		{"cri-containerd cgroupfs besteffort", "/kubepods/besteffort/pod" + uid + "/" + id,
			Ref{ID: id, Runtime: Containerd, PodUID: uid}},
		{"cri-containerd cgroupfs guaranteed", "/kubepods/pod" + uid + "/" + id,
			Ref{ID: id, Runtime: Containerd, PodUID: uid}},
		{"cri-containerd systemd burstable", "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + uu +
			".slice/cri-containerd-" + id + ".scope", Ref{ID: id, Runtime: Containerd, PodUID: uid}},
		{"cri-containerd systemd guaranteed", "/kubepods.slice/kubepods-pod" + uu + ".slice/cri-containerd-" + id + ".scope",
			Ref{ID: id, Runtime: Containerd, PodUID: uid}},
		{"cri-o systemd", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uu + ".slice/crio-" + id + ".scope",
			Ref{ID: id, Runtime: CRIO, PodUID: uid}},
		{"cri-o cgroupfs", "/kubepods/burstable/pod" + uid + "/crio-" + id, Ref{ID: id, Runtime: CRIO, PodUID: uid}},
		{"cri-o conmon is not the container", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uu +
			".slice/crio-conmon-" + id + ".scope", Ref{}},
		{"dockershim systemd", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uu + ".slice/docker-" + id + ".scope",
			Ref{ID: id, Runtime: Docker, PodUID: uid}},
		{"podman rootful systemd", "/machine.slice/libpod-" + id + ".scope", Ref{ID: id, Runtime: Podman}},
		{"podman container subgroup", "/machine.slice/libpod-" + id + ".scope/container", Ref{ID: id, Runtime: Podman}},
		{"podman rootless", "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + id + ".scope",
			Ref{ID: id, Runtime: Podman}},
		{"podman cgroupfs", "/libpod_parent/libpod-" + id, Ref{ID: id, Runtime: Podman}},
		{"podman conmon", "/machine.slice/libpod-conmon-" + id + ".scope", Ref{}},
		{"kind node in docker: innermost wins", "/docker/" + id2 + "/kubepods/besteffort/pod" + uid + "/" + id,
			Ref{ID: id, Runtime: Containerd, PodUID: uid}},
		{"custom parent", "/my/parent/" + id, Ref{ID: id}},
		{"pod slice without container", "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + uu + ".slice", Ref{}},
		{"short id", "/docker/" + id[:12], Ref{}},
		{"upper-case hex is not an id", "/docker/" + strings.ToUpper(id), Ref{}},
		{"65 digits", "/docker/" + id + "0", Ref{}},
		{"bad pod uid", "/kubepods/besteffort/podxyz/" + id, Ref{ID: id, Runtime: Containerd}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.path); got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.path, got, tt.want)
			}
		})
	}
}

func TestParseProc(t *testing.T) {
	hybrid := "12:pids:/kubepods/besteffort/pod" + uid + "/" + id + "\n" +
		"1:name=systemd:/kubepods/besteffort/pod" + uid + "/" + id + "\n" +
		"0::/kubepods/besteffort/pod" + uid + "/" + id + "\n"
	tests := []struct {
		name, text string
		want       Ref
	}{
		{"v2 only", "0::/system.slice/docker-" + id + ".scope\n", Ref{ID: id, Runtime: Docker}},
		{"v1 hybrid", hybrid, Ref{ID: id, Runtime: Containerd, PodUID: uid}},
		{"v1 with host lines first", "3:cpu,cpuacct:/\n2:memory:/docker/" + id + "\n", Ref{ID: id, Runtime: Docker}},
		{"capture's NUL list", "/docker/" + id + "\x00", Ref{ID: id, Runtime: Docker}},
		{"libsinsp list", "cpuset=/docker/" + id + "\x00cpu=/docker/" + id + "\x00", Ref{ID: id, Runtime: Docker}},
		{"host", "0::/\n1:name=systemd:/init.scope\n", Ref{}},
		{"empty", "", Ref{}},
		{"v2 cgroupns private (inside the container)", "0::/\n", Ref{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseProc([]byte(tt.text)); got != tt.want {
				t.Errorf("ParseProc(%q) = %+v, want %+v", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzParseProc(f *testing.F) {
	for _, s := range []string{"0::/docker/" + id, "12:pids:/kubepods/pod" + uid + "/" + id, "cpuset=/x\x00", ":::", "="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := ParseProc(b)
		if r.ID != "" && !isID(r.ID) {
			t.Fatalf("id %q is not 64 hex digits", r.ID)
		}
		if r.PodUID != "" && !isUID(r.PodUID) {
			t.Fatalf("pod uid %q", r.PodUID)
		}
	})
}
