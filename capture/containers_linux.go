//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"saker/capfile"
	"saker/cgroups"
	"saker/event"
)

// containerMeta asks the container runtimes (the Docker Engine, containerd) about each
// container once, for the /proc snapshot and for containers first seen during the capture,
// and keeps the counts that the manifest's capabilities report. It is safe for concurrent use.
type containerMeta struct {
	docker                *dockerClient
	dockerSock, dockerWhy string
	ctrd                  *containerdClient
	ctrdSock, ctrdWhy     string

	mu      sync.Mutex
	claimed map[string]bool
	docks   askStats // Docker Engine
	ctrds   askStats // containerd
	bare    int      // containers no runtime knew: another runtime's, or already gone
}

// askStats count what one runtime was asked and answered.
type askStats struct {
	asked, found int
	failed       error // the first answer that was not an answer: the runtime is asked no more
}

// newContainerMeta prepares clients of the runtimes at the given sockets (see dockerSocket
// and containerdSocket for the defaults when empty). It connects to none yet.
func newContainerMeta(dockerSock, containerdSock string) *containerMeta {
	m := &containerMeta{claimed: map[string]bool{}}
	if m.dockerSock, m.dockerWhy = dockerSocket(dockerSock); m.dockerSock != "" {
		m.docker = newDockerClient(m.dockerSock)
	}
	if m.ctrdSock, m.ctrdWhy = containerdSocket(containerdSock); m.ctrdSock != "" {
		c, err := newContainerdClient(m.ctrdSock)
		if err != nil {
			m.ctrdWhy, m.ctrdSock = err.Error(), ""
		} else {
			m.ctrd = c
		}
	}
	return m
}

func (m *containerMeta) close() {
	if m.docker != nil {
		m.docker.close()
	}
	if m.ctrd != nil {
		m.ctrd.close()
	}
}

// claim reports whether id is seen for the first time; only then is it looked up.
func (m *containerMeta) claim(id string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.claimed[id] {
		return false
	}
	m.claimed[id] = true
	return true
}

// args returns the containerinfo parameters of the container ref names: what the first
// runtime that knows it says (the one its cgroup path names is asked first), and in any case
// what the path tells (id, runtime, pod uid). source says which: "docker",
// "containerd:NAMESPACE", or "cgroup" when no runtime knew the container (it ran under a
// runtime saker does not ask, or was gone by the time it was asked).
func (m *containerMeta) args(ctx context.Context, ref cgroups.Ref) map[string]event.Arg {
	a := map[string]event.Arg{"id": event.Str(ref.ID), "runtime": event.Str(ref.Runtime),
		"pod_uid": event.Str(ref.PodUID), "source": event.Str("cgroup")}
	askers := []func() (map[string]event.Arg, bool){
		func() (map[string]event.Arg, bool) { return m.askContainerd(ctx, ref) },
		func() (map[string]event.Arg, bool) { return m.askDocker(ctx, ref.ID) },
	}
	if ref.Runtime == cgroups.Docker || ref.Runtime == "" {
		slices.Reverse(askers)
	}
	for _, ask := range askers {
		if got, ok := ask(); ok {
			maps.Copy(a, got)
			if uid := labelOf(got["labels"].Bytes, "io.kubernetes.pod.uid"); ref.PodUID == "" && uid != "" {
				a["pod_uid"] = event.Str(uid)
			}
			return a
		}
	}
	m.mu.Lock()
	m.bare++
	m.mu.Unlock()
	return a
}

func (m *containerMeta) askDocker(ctx context.Context, id string) (map[string]event.Arg, bool) {
	if m.docker == nil || !m.ask(&m.docks) {
		return nil, false
	}
	dc, err := m.docker.inspect(ctx, id)
	if m.answer(&m.docks, err) {
		return nil, false
	}
	a := dc.args()
	a["runtime"] = event.Str(cgroups.Docker)
	if dc.ImageID != "" {
		a["image_digest"] = event.Str(m.docker.repoDigest(ctx, dc.ImageID))
	}
	return a, true
}

func (m *containerMeta) askContainerd(ctx context.Context, ref cgroups.Ref) (map[string]event.Arg, bool) {
	if m.ctrd == nil || !m.ask(&m.ctrds) {
		return nil, false
	}
	cc, err := m.ctrd.lookup(ctx, ref.ID, ref.Namespace)
	if m.answer(&m.ctrds, err) {
		return nil, false
	}
	a := cc.args()
	a["runtime"] = event.Str(cgroups.Containerd)
	return a, true
}

// ask counts a question to a runtime and reports whether it may be asked at all.
func (m *containerMeta) ask(st *askStats) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if st.failed != nil {
		return false
	}
	st.asked++
	return true
}

// answer counts a runtime's answer and reports whether it was not the container's metadata.
func (m *containerMeta) answer(st *askStats, err error) (none bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case err == nil:
		st.found++
		return false
	case !errors.Is(err, errNoContainer) && st.failed == nil:
		st.failed = err
	}
	return true
}

// capabilities are the manifest's record of what the runtimes were asked and answered:
// container_metadata (recorded when no container seen lacks a runtime's metadata), one
// capability per runtime asked (recorded when its socket answered every question), and a
// note for sockets of runtimes saker does not ask.
func (m *containerMeta) capabilities() []capfile.Capability {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen := len(m.claimed)
	all := capfile.Capability{Name: "container_metadata", Recorded: m.bare == 0}
	switch {
	case seen == 0:
		all.Reason = "no container seen"
	case m.docker == nil && m.ctrd == nil:
		all.Reason = fmt.Sprintf("%d containers: %s; %s: their ids, runtimes and pod uids come from cgroup paths only",
			seen, m.dockerWhy, m.ctrdWhy)
	default:
		all.Reason = fmt.Sprintf("%d containers: %d described by the Docker Engine, %d by containerd, %d by their cgroup path only",
			seen, m.docks.found, m.ctrds.found, m.bare)
	}
	caps := []capfile.Capability{all,
		runtimeCapability("docker", "Docker Engine", m.dockerSock, m.dockerWhy, m.docks),
		runtimeCapability("containerd", "containerd (namespaces "+strings.Join(containerdNamespaces, ", ")+")",
			m.ctrdSock, m.ctrdWhy, m.ctrds)}
	for _, c := range criSockets {
		if fi, err := os.Stat(c.path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			caps = append(caps, capfile.Capability{Name: "container_metadata_" + c.runtime, Reason: c.path +
				" is present but not asked (saker does not speak the CRI API): " + c.runtime +
				" containers have only what their cgroup paths tell"})
		}
	}
	return caps
}

// runtimeCapability says what the runtime at sock was asked and answered; it is recorded
// when the runtime was there and every question got an answer (found or not).
func runtimeCapability(name, what, sock, why string, st askStats) capfile.Capability {
	c := capfile.Capability{Name: "container_metadata_" + name, Recorded: sock != "" && st.failed == nil}
	if sock == "" {
		c.Reason = why
		return c
	}
	c.Reason = fmt.Sprintf("%s at %s: asked about %d containers, knew %d", what, sock, st.asked, st.found)
	if st.failed != nil {
		c.Reason += fmt.Sprintf("; asked no more after: %v", st.failed)
	}
	return c
}

// labelOf returns the value of key in a "key=value" list.
func labelOf(list []byte, key string) string {
	for _, item := range strings.Split(string(list), "\x00") {
		if v, ok := strings.CutPrefix(item, key+"="); ok {
			return v
		}
	}
	return ""
}

// containers records one containerinfo per container of refs not recorded yet (in id order),
// with what meta finds of it. Only errors writing the records are returned.
func (s *snapshotWriter) containers(ctx context.Context, refs map[string]cgroups.Ref, meta *containerMeta) error {
	for _, id := range slices.Sorted(maps.Keys(refs)) {
		if !meta.claim(id) {
			continue
		}
		if err := s.emit("containerinfo", meta.args(ctx, refs[id])); err != nil {
			return err
		}
	}
	return nil
}
