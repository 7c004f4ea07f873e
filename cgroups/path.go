// Package cgroups tells which container a cgroup path belongs to. It knows the shapes that
// the container runtimes give their containers' cgroups under both cgroup drivers (cgroupfs
// and systemd), in every hierarchy of cgroup v1, v2 and hybrid hosts: Docker, containerd
// (native and CRI, as Kubernetes pods), CRI-O and podman. It imports the standard library
// only, so that capture and analysis read paths alike.
package cgroups

import "strings"

// Runtimes as Ref.Runtime names them; they are also Falco's container.type values.
const (
	Docker     = "docker"
	Containerd = "containerd"
	CRIO       = "cri-o"
	Podman     = "podman"
)

// Ref is what a cgroup path tells of the container it belongs to.
type Ref struct {
	// ID is the container's full id: 64 lowercase hex digits. Empty when the path is not
	// a container's (the host, a systemd service, a runtime's monitor process).
	ID string
	// Runtime is the runtime whose naming the path follows (Docker, Containerd, CRIO,
	// Podman), or "" for a bare id in a place no runtime's naming explains (a custom
	// --cgroup-parent).
	Runtime string
	// PodUID is the Kubernetes pod uid of a kubepods path, with dashes (the systemd driver
	// writes them as underscores); empty outside Kubernetes.
	PodUID string
	// Namespace is the containerd namespace of a native containerd path (/NS/ID).
	Namespace string
}

// Parse returns what path (one cgroup path, as in the third field of a /proc/PID/cgroup
// line) tells of its container. When containers nest (a kind node inside Docker), the
// innermost container wins. It never fails: a path of no known shape gives the zero Ref.
func Parse(path string) Ref {
	var ref Ref
	var pod string
	kube := false // below kubepods: kubelet's pod cgroups, where a bare id is CRI containerd's
	comps := strings.Split(path, "/")
	for i, c := range comps {
		if u, ok := podUID(c); ok {
			pod, kube = u, true
			continue
		}
		if strings.HasPrefix(c, "kubepods") {
			kube = true
		}
		id, rt, ok := containerComponent(c)
		if !ok {
			continue
		}
		r := Ref{ID: id, Runtime: rt}
		switch {
		case kube:
			r.PodUID = pod
			if rt == "" {
				r.Runtime = Containerd // cgroupfs driver: containerd names the leaf by the bare id
			}
		case rt == "" && i > 0 && comps[i-1] == "docker":
			r.Runtime = Docker
		case rt == "" && i > 0 && comps[i-1] == "libpod_parent":
			r.Runtime = Podman
		case rt == "" && i == 2 && comps[0] == "" && comps[1] != "":
			// containerd's own (non-CRI) cgroups: /NAMESPACE/ID.
			r.Runtime, r.Namespace = Containerd, comps[1]
		}
		ref, pod, kube = r, "", false // a bare id elsewhere: a container of a runtime the path does not name
	}
	return ref
}

// ParseProc returns the container of a process from its cgroup file's text (the lines of
// /proc/PID/cgroup, "HIERARCHY:CONTROLLERS:PATH", or the NUL-separated items a capture
// records): the first line that names one. All hierarchies hold the same path on the
// runtimes' hosts, v1, v2 and hybrid alike.
func ParseProc(text []byte) Ref {
	for len(text) > 0 {
		line := text
		if i := indexSep(text); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = nil
		}
		p := string(line)
		if i := strings.LastIndexByte(p, ':'); i >= 0 && strings.IndexByte(p, '/') > i {
			p = p[i+1:]
		} else if i := strings.IndexByte(p, '='); i >= 0 && i < strings.IndexByte(p+"/", '/') {
			p = p[i+1:] // "cpuset=/docker/ID", as libsinsp writes its cgroups list
		}
		if r := Parse(p); r.ID != "" {
			return r
		}
	}
	return Ref{}
}

func indexSep(b []byte) int {
	for i, c := range b {
		if c == '\n' || c == 0 {
			return i
		}
	}
	return -1
}

// containerComponent recognizes one path component that holds a container id: the bare id,
// or a runtime's prefix and suffix around it ("docker-ID.scope", "cri-containerd-ID.scope",
// "crio-ID", "libpod-ID.scope"). The runtimes' monitor processes ("crio-conmon-ID.scope",
// "libpod-conmon-ID.scope") are not the container and are not recognized.
func containerComponent(c string) (id, runtime string, ok bool) {
	c = strings.TrimSuffix(c, ".scope")
	prefixes := [...]struct{ p, rt string }{
		{"docker-", Docker}, {"cri-containerd-", Containerd}, {"crio-", CRIO}, {"libpod-", Podman},
	}
	for _, p := range prefixes {
		if rest, found := strings.CutPrefix(c, p.p); found {
			if isID(rest) {
				return rest, p.rt, true
			}
			return "", "", false
		}
	}
	if isID(c) {
		return c, "", true
	}
	return "", "", false
}

// podUID recognizes a kubepods pod component: "pod<uid>" (cgroupfs) or
// "kubepods[-QOS]-pod<uid with underscores>.slice" (systemd).
func podUID(c string) (string, bool) {
	var u string
	switch {
	case strings.HasPrefix(c, "kubepods") && strings.HasSuffix(c, ".slice"):
		i := strings.LastIndex(c, "-pod")
		if i < 0 {
			return "", false
		}
		u = strings.ReplaceAll(c[i+4:len(c)-len(".slice")], "_", "-")
	case strings.HasPrefix(c, "pod"):
		u = c[3:]
	default:
		return "", false
	}
	if !isUID(u) {
		return "", false
	}
	return u, true
}

// isUID reports whether s is a UUID in its dashed text form, as Kubernetes writes pod uids
// (static pods have a 32-hex-digit hash instead, also accepted).
func isUID(s string) bool {
	if len(s) == 32 {
		return isHex(s)
	}
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if s[i] != '-' {
				return false
			}
		} else if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isID(s string) bool { return len(s) == 64 && isHex(s) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' }
