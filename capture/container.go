package capture

import "regexp"

// containerPatterns find a container id in a cgroup path; the first group names the
// runtime's marker, the second holds the 64-hex-digit id.
var containerPatterns = []*regexp.Regexp{
	regexp.MustCompile(`(docker|cri-containerd|crio|libpod)[-/]([0-9a-f]{64})(?:\.scope)?(?:/|$)`),
	regexp.MustCompile(`(kubepods)[^ ]*/(?:pod[^/]+/)?([0-9a-f]{64})(?:/|$)`),
}

var runtimeNames = map[string]string{
	"docker": "docker", "cri-containerd": "containerd", "crio": "cri-o", "libpod": "podman",
	"kubepods": "containerd",
}

// containerID returns the full (64 digit) container id of a cgroup path and the runtime it
// names, or "" when the path is not a container's. The full id is what a runtime's API is
// asked with; analysis shortens it to Falco's 12-digit container.id.
func containerID(cgroup string) (id, runtime string) {
	for _, re := range containerPatterns {
		if m := re.FindStringSubmatch(cgroup); m != nil {
			return m[2], runtimeNames[m[1]]
		}
	}
	return "", ""
}
