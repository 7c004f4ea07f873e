//go:build linux

package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"saker/event"
)

// DefaultDockerSocket is where the Docker Engine API listens unless $DOCKER_HOST says otherwise.
const DefaultDockerSocket = "/var/run/docker.sock"

// dockerTimeout bounds one Docker API request: a daemon that hangs delays the snapshot, and
// with it the start of recording, by at most this much.
const dockerTimeout = 2 * time.Second

// criSockets are the sockets of runtimes saker does not ask (CRI-O speaks only the CRI API):
// the capture notes in the manifest that they are present and were not asked.
var criSockets = []struct{ runtime, path string }{
	{"cri-o", "/run/crio/crio.sock"},
}

// errNoContainer is returned by inspect when the engine does not know the container: it ran
// under another runtime, or exited.
var errNoContainer = errors.New("no such container")

// dockerSocket returns the Docker Engine socket to ask: explicit when set, else the path of
// $DOCKER_HOST when it is a unix:// address, else DefaultDockerSocket when it exists. When it
// returns "", why says why no engine is asked.
func dockerSocket(explicit string) (path, why string) {
	if explicit != "" {
		return explicit, ""
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		u, err := url.Parse(h)
		if err != nil || u.Scheme != "unix" || u.Path == "" {
			return "", fmt.Sprintf("DOCKER_HOST=%s is not a unix:// socket, the only kind saker asks", h)
		}
		return u.Path, ""
	}
	if fi, err := os.Stat(DefaultDockerSocket); err == nil && fi.Mode()&os.ModeSocket != 0 {
		return DefaultDockerSocket, ""
	}
	return "", "no Docker Engine socket (" + DefaultDockerSocket + " or $DOCKER_HOST)"
}

// dockerClient asks a Docker Engine API, over its unix socket, about containers.
type dockerClient struct {
	socket string
	hc     *http.Client
}

func newDockerClient(socket string) *dockerClient {
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", socket)
		},
		MaxIdleConnsPerHost: 1,
	}
	return &dockerClient{socket: socket, hc: &http.Client{Transport: tr, Timeout: dockerTimeout}}
}

func (c *dockerClient) close() { c.hc.CloseIdleConnections() }

// dockerContainer is what saker records of the engine's ContainerInspectResponse
// (GET /containers/{id}/json, the same shape from API v1.41 on).
type dockerContainer struct {
	ID      string `json:"Id"`
	Name    string `json:"Name"`
	Created string `json:"Created"`
	ImageID string `json:"Image"` // the image's id, sha256:...
	Config  struct {
		Image  string            `json:"Image"`
		Labels map[string]string `json:"Labels"`
	} `json:"Config"`
	HostConfig struct {
		Privileged bool `json:"Privileged"`
	} `json:"HostConfig"`
	Mounts []struct {
		Source      string `json:"Source"`
		Destination string `json:"Destination"`
		Mode        string `json:"Mode"`
		RW          bool   `json:"RW"`
		Propagation string `json:"Propagation"`
	} `json:"Mounts"`
	State struct {
		StartedAt string `json:"StartedAt"`
	} `json:"State"`
}

// inspect asks the engine about container id. The path carries no API version: the engine
// answers in its own, and every version it may speak has these fields, while a pinned one
// is refused by engines whose minimum moved past it. It returns errNoContainer for an id
// the engine does not know.
func (c *dockerClient) inspect(ctx context.Context, id string) (*dockerContainer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/containers/"+url.PathEscape(id)+"/json", nil)
	if err != nil {
		return nil, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body := io.LimitReader(resp.Body, 8<<20)
	switch resp.StatusCode {
	case http.StatusOK:
		var dc dockerContainer
		if err := json.NewDecoder(body).Decode(&dc); err != nil {
			return nil, fmt.Errorf("container %s: %w", id, err)
		}
		return &dc, nil
	case http.StatusNotFound:
		return nil, fmt.Errorf("container %s: %w", id, errNoContainer)
	}
	var msg struct {
		Message string `json:"message"`
	}
	json.NewDecoder(body).Decode(&msg)
	return nil, fmt.Errorf("container %s: %s: %s", id, resp.Status, msg.Message)
}

// repoDigest returns the registry digest ("sha256:...") of image (a name or id) from the
// engine's image record, "" when the image has none (built or imported locally, never
// pushed or pulled) or the engine does not answer.
func (c *dockerClient) repoDigest(ctx context.Context, image string) string {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/images/"+url.PathEscape(image)+"/json", nil)
	if err != nil {
		return ""
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var img struct {
		RepoDigests []string `json:"RepoDigests"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&img) != nil {
		return ""
	}
	for _, d := range img.RepoDigests {
		if _, dg, ok := strings.Cut(d, "@"); ok {
			return dg
		}
	}
	return ""
}

// args returns the containerinfo parameters of dc, in Falco's forms: the name without
// Docker's leading slash, labels and mounts as sorted and ordered list items
// ("key=value", "source:dest:mode:rw:propagation"), start_ts as wall-clock ns.
func (dc *dockerContainer) args() map[string]event.Arg {
	var labels []byte
	for _, k := range slices.Sorted(maps.Keys(dc.Config.Labels)) {
		labels = event.AppendListItem(labels, k+"="+dc.Config.Labels[k])
	}
	var mounts []byte
	for _, m := range dc.Mounts {
		mounts = event.AppendListItem(mounts, fmt.Sprintf("%s:%s:%s:%t:%s", m.Source, m.Destination, m.Mode, m.RW, m.Propagation))
	}
	var priv int64
	if dc.HostConfig.Privileged {
		priv = 1
	}
	a := map[string]event.Arg{
		"name": event.Str(strings.TrimPrefix(dc.Name, "/")), "image": event.Str(dc.Config.Image),
		"labels": event.Bytes(labels), "privileged": event.Int(priv), "mounts": event.Bytes(mounts),
		"source": event.Str("docker"),
	}
	// A container that never started has StartedAt "0001-01-01T00:00:00Z".
	for _, ts := range []string{dc.State.StartedAt, dc.Created} {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil && t.Year() > 1970 {
			a["start_ts"] = event.Int(t.UnixNano())
			break
		}
	}
	return a
}
