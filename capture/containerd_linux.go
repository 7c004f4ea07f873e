//go:build linux

package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	containersapi "github.com/containerd/containerd/api/services/containers/v1"
	imagesapi "github.com/containerd/containerd/api/services/images/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"saker/event"
)

// containerdNamespaces are the namespaces asked for a container, in this order after the one
// its cgroup path names: Kubernetes' (CRI), Docker's, and ctr's default.
var containerdNamespaces = []string{"k8s.io", "moby", "default"}

// containerdSocket returns the containerd socket to ask: explicit when set, else
// DefaultContainerdSocket when it exists. When it returns "", why says why none is asked.
func containerdSocket(explicit string) (path, why string) {
	if explicit != "" {
		return explicit, ""
	}
	if fi, err := os.Stat(DefaultContainerdSocket); err == nil && fi.Mode()&os.ModeSocket != 0 {
		return DefaultContainerdSocket, ""
	}
	return "", "no containerd socket (" + DefaultContainerdSocket + ")"
}

// containerdClient asks containerd's containers and images services, over gRPC on its unix
// socket, about containers.
type containerdClient struct {
	conn       *grpc.ClientConn
	containers containersapi.ContainersClient
	images     imagesapi.ImagesClient
}

// newContainerdClient prepares a client of the containerd API at socket; it connects on the
// first request.
func newContainerdClient(socket string) (*containerdClient, error) {
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithAuthority("localhost"))
	if err != nil {
		return nil, fmt.Errorf("containerd at %s: %w", socket, err)
	}
	return &containerdClient{conn: conn, containers: containersapi.NewContainersClient(conn),
		images: imagesapi.NewImagesClient(conn)}, nil
}

func (c *containerdClient) close() { c.conn.Close() }

// containerdContainer is what saker records of a containerd container.
type containerdContainer struct {
	namespace   string
	c           *containersapi.Container
	spec        ociSpec
	digest      string
	podLabels   map[string]string
	podLabelsOK bool
}

// ociSpec is the part of the OCI runtime spec (a container's Spec, JSON) that saker reads.
type ociSpec struct {
	Process *struct {
		Capabilities *struct {
			Effective []string `json:"effective"`
		} `json:"capabilities"`
	} `json:"process"`
	Mounts []struct {
		Destination string   `json:"destination"`
		Type        string   `json:"type"`
		Source      string   `json:"source"`
		Options     []string `json:"options"`
	} `json:"mounts"`
	Annotations map[string]string `json:"annotations"`
	Linux       *struct {
		MaskedPaths []string `json:"maskedPaths"`
	} `json:"linux"`
}

// criSandboxID is the annotation CRI puts on a pod container's spec naming its pod's sandbox,
// whose labels are the pod's.
const criSandboxID = "io.kubernetes.cri.sandbox-id"

// lookup asks for container id in namespace first (when not empty), then in the other
// containerdNamespaces. It returns errNoContainer when no namespace knows it; other errors
// mean containerd did not answer as it should.
func (c *containerdClient) lookup(ctx context.Context, id, namespace string) (*containerdContainer, error) {
	order := containerdNamespaces
	if namespace != "" && !slices.Contains(order, namespace) {
		order = append([]string{namespace}, order...)
	} else if namespace != "" {
		order = append([]string{namespace}, slices.DeleteFunc(slices.Clone(order), func(s string) bool { return s == namespace })...)
	}
	for _, ns := range order {
		ct, err := c.get(ctx, ns, id)
		if errors.Is(err, errNoContainer) {
			continue
		}
		if err != nil {
			return nil, err
		}
		cc := &containerdContainer{namespace: ns, c: ct}
		if ct.Spec != nil {
			// A spec that does not parse leaves privilege and mounts unknown, not the rest.
			json.Unmarshal(ct.Spec.GetValue(), &cc.spec)
		}
		if ct.Image != "" {
			qctx, cancel := context.WithTimeout(nsContext(ctx, ns), dockerTimeout)
			img, err := c.images.Get(qctx, &imagesapi.GetImageRequest{Name: ct.Image})
			cancel()
			if err == nil && img.GetImage().GetTarget() != nil {
				cc.digest = img.GetImage().GetTarget().GetDigest()
			}
		}
		cc.podLabels, cc.podLabelsOK = c.podLabels(ctx, ns, cc)
		return cc, nil
	}
	return nil, fmt.Errorf("container %s: %w", id, errNoContainer)
}

func (c *containerdClient) get(ctx context.Context, ns, id string) (*containersapi.Container, error) {
	qctx, cancel := context.WithTimeout(nsContext(ctx, ns), dockerTimeout)
	defer cancel()
	resp, err := c.containers.Get(qctx, &containersapi.GetContainerRequest{ID: id})
	if status.Code(err) == codes.NotFound {
		return nil, fmt.Errorf("container %s in namespace %s: %w", id, ns, errNoContainer)
	}
	if err != nil {
		return nil, fmt.Errorf("container %s in namespace %s: %w", id, ns, err)
	}
	return resp.GetContainer(), nil
}

// podLabels returns the labels of the pod of a CRI container: its sandbox's labels (the
// container itself when it is the sandbox) without the io.kubernetes.*, io.cri-containerd.*
// and io.containerd.* keys that kubelet and containerd add.
func (c *containerdClient) podLabels(ctx context.Context, ns string, cc *containerdContainer) (map[string]string, bool) {
	labels := cc.c.GetLabels()
	if labels["io.cri-containerd.kind"] != "sandbox" {
		sb := cc.spec.Annotations[criSandboxID]
		if sb == "" {
			return nil, false
		}
		s, err := c.get(ctx, ns, sb)
		if err != nil {
			return nil, false
		}
		labels = s.GetLabels()
	}
	pod := map[string]string{}
	for k, v := range labels {
		if !strings.HasPrefix(k, "io.kubernetes.") && !strings.HasPrefix(k, "io.cri-containerd.") && !strings.HasPrefix(k, "io.containerd.") {
			pod[k] = v
		}
	}
	return pod, true
}

func nsContext(ctx context.Context, ns string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "containerd-namespace", ns)
}

// args returns the containerinfo parameters of cc, in the forms the Docker ones have: the
// name is the Kubernetes container name (or nerdctl's), the image its reference, mounts the
// spec's bind mounts as "source:dest:mode:rw:propagation", start_ts the creation time.
// A container is privileged when its process has CAP_SYS_ADMIN and no path is masked: what
// CRI's privileged flag, `ctr run --privileged` and `nerdctl run --privileged` produce.
func (cc *containerdContainer) args() map[string]event.Arg {
	c := cc.c
	labels := c.GetLabels()
	name := labels["io.kubernetes.container.name"]
	if name == "" {
		name = labels["nerdctl/name"]
	}
	var priv int64
	if p := cc.spec.Process; p != nil && p.Capabilities != nil && slices.Contains(p.Capabilities.Effective, "CAP_SYS_ADMIN") &&
		(cc.spec.Linux == nil || len(cc.spec.Linux.MaskedPaths) == 0) {
		priv = 1
	}
	var mounts []byte
	for _, m := range cc.spec.Mounts {
		if m.Type != "bind" && !slices.Contains(m.Options, "bind") && !slices.Contains(m.Options, "rbind") {
			continue
		}
		prop := ""
		for _, o := range m.Options {
			switch o {
			case "private", "rprivate", "shared", "rshared", "slave", "rslave":
				prop = o
			}
		}
		mounts = event.AppendListItem(mounts, fmt.Sprintf("%s:%s::%t:%s", m.Source, m.Destination, !slices.Contains(m.Options, "ro"), prop))
	}
	a := map[string]event.Arg{
		"name": event.Str(name), "image": event.Str(c.GetImage()), "image_digest": event.Str(cc.digest),
		"labels": event.Bytes(labelItems(labels)), "privileged": event.Int(priv), "mounts": event.Bytes(mounts),
		"oci_runtime": event.Str(c.GetRuntime().GetName()), "source": event.Str("containerd:" + cc.namespace),
	}
	if cc.podLabelsOK {
		a["pod_labels"] = event.Bytes(labelItems(cc.podLabels))
	}
	if t := c.GetCreatedAt(); t != nil && t.GetSeconds() > 0 {
		a["start_ts"] = event.Int(t.AsTime().UnixNano())
	}
	return a
}

// labelItems returns labels as sorted "key=value" list items.
func labelItems(labels map[string]string) []byte {
	var b []byte
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		b = event.AppendListItem(b, k+"="+labels[k])
	}
	return b
}
