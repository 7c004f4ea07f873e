package analyze

import (
	"bytes"

	"saker/cgroups"
	"saker/event"
)

// hostID is container.id of processes that run on the host.
const hostID = "host"

// Container is one container from a containerinfo snapshot record.
type Container struct {
	ID            string // 12 hex digits, as Falco's container.id
	FullID        string
	Name          []byte
	Image         []byte
	Repository    []byte
	Tag           []byte
	Labels        []byte // NUL-terminated "key=value" items
	Privileged    bool
	Mounts        []byte // NUL-terminated "source:dest:mode:rw:propagation" items
	mountsText    []byte
	StartTS       uint64 // wall-clock ns
	Runtime       []byte
	PodName       []byte
	Namespace     []byte
	PodUID        []byte
	PodLabels     []byte // NUL-terminated "key=value" items
	podLabelsText []byte
	Digest        []byte // the image's digest, "sha256:..."
	OCIRuntime    []byte // e.g. io.containerd.runc.v2
	Source        []byte // where the metadata came from: docker, containerd:NAMESPACE, cgroup
}

func newContainer(e *event.Event) *Container {
	c := &Container{}
	id := arg(e, 0)
	c.FullID = string(id)
	c.ID = shortID(c.FullID)
	c.Name = bytes.Clone(arg(e, 1))
	c.Image = bytes.Clone(arg(e, 2))
	c.Repository, c.Tag = splitImage(c.Image)
	c.Labels = bytes.Clone(arg(e, 3))
	c.Privileged = argInt(e, 4) != 0
	c.Mounts = bytes.Clone(arg(e, 5))
	c.mountsText = event.AppendList(nil, c.Mounts, ' ')
	c.StartTS = uint64(argInt(e, 6))
	c.Runtime = bytes.Clone(arg(e, 7))
	c.PodName = labelValue(c.Labels, "io.kubernetes.pod.name")
	c.Namespace = labelValue(c.Labels, "io.kubernetes.pod.namespace")
	c.Digest = bytes.Clone(arg(e, 8))
	c.PodUID = bytes.Clone(arg(e, 9))
	if len(c.PodUID) == 0 {
		c.PodUID = labelValue(c.Labels, "io.kubernetes.pod.uid")
	}
	c.PodLabels = bytes.Clone(arg(e, 10))
	c.podLabelsText = event.AppendList(nil, c.PodLabels, ' ')
	c.OCIRuntime = bytes.Clone(arg(e, 11))
	c.Source = bytes.Clone(arg(e, 12))
	return c
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// splitImage splits "registry/repo:tag@digest" into repository and tag.
func splitImage(img []byte) (repo, tag []byte) {
	if i := bytes.IndexByte(img, '@'); i >= 0 {
		img = img[:i]
	}
	slash := bytes.LastIndexByte(img, '/')
	if i := bytes.LastIndexByte(img, ':'); i > slash {
		return img[:i], img[i+1:]
	}
	return img, nil
}

func labelValue(labels []byte, key string) []byte {
	for len(labels) > 0 {
		item := labels
		if i := bytes.IndexByte(labels, 0); i >= 0 {
			item, labels = labels[:i], labels[i+1:]
		} else {
			labels = nil
		}
		if len(item) > len(key) && item[len(key)] == '=' && string(item[:len(key)]) == key {
			return item[len(key)+1:]
		}
	}
	return nil
}

// mountDest returns the destination of the first mount whose source matches the glob
// pattern src, as Falco's container.mount.dest[src].
func (c *Container) mountDest(src []byte) ([]byte, bool) {
	m := c.Mounts
	for len(m) > 0 {
		item := m
		if i := bytes.IndexByte(m, 0); i >= 0 {
			item, m = m[:i], m[i+1:]
		} else {
			m = nil
		}
		parts := bytes.SplitN(item, []byte{':'}, 3)
		if len(parts) >= 2 && globMatch(src, parts[0]) {
			return parts[1], true
		}
	}
	return nil, false
}

// globMatch matches name against a pattern where '*' matches any run of bytes and '?' one.
func globMatch(pat, name []byte) bool {
	px, nx := 0, 0
	starPx, starNx := -1, 0
	for nx < len(name) {
		switch {
		case px < len(pat) && pat[px] == '*':
			starPx, starNx = px, nx
			px++
		case px < len(pat) && (pat[px] == '?' || pat[px] == name[nx]):
			px++
			nx++
		case starPx >= 0:
			starNx++
			px, nx = starPx+1, starNx
		default:
			return false
		}
	}
	for px < len(pat) && pat[px] == '*' {
		px++
	}
	return px == len(pat)
}

// containerIDFromCgroups finds a container id in a process's cgroups text (as in
// /proc/PID/cgroup, lines or NUL-separated; see cgroups.ParseProc for the shapes known) and
// returns its 12-digit short form, or "host" when there is none.
func containerIDFromCgroups(cg []byte) string {
	if r := cgroups.ParseProc(cg); r.ID != "" {
		return r.ID[:12]
	}
	return hostID
}
