//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"

	"saker/capfile"
	"saker/event"
)

// containers records one containerinfo per container seen in the snapshot (ids maps full
// container ids to the runtime their cgroup path names), with the metadata the Docker Engine
// gives when one is found (see dockerSocket; socket is Options.DockerSocket). It returns the
// manifest capabilities saying which runtimes were asked, which were not, and why. Only
// errors writing the records are returned: an engine that fails leaves the records bare.
func (s *snapshotWriter) containers(ctx context.Context, ids map[string]string, socket string) ([]capfile.Capability, error) {
	sock, why := dockerSocket(socket)
	var dc *dockerClient
	if sock != "" {
		dc = newDockerClient(sock)
		defer dc.close()
	}
	var inspected, unknown int
	var failed error
	for _, id := range slices.Sorted(maps.Keys(ids)) {
		args := map[string]event.Arg{"id": event.Str(id), "runtime": event.Str(ids[id])}
		if dc != nil && failed == nil {
			c, err := dc.inspect(ctx, id)
			switch {
			case err == nil:
				maps.Copy(args, c.args())
				inspected++
			case errors.Is(err, errNoContainer):
				unknown++
			default:
				failed = err // not answering as an engine should: ask no more
			}
		}
		if err := s.emit("containerinfo", args); err != nil {
			return nil, err
		}
	}
	caps := []capfile.Capability{dockerCapability(sock, why, len(ids), inspected, unknown, failed)}
	for _, c := range criSockets {
		if fi, err := os.Stat(c.path); err == nil && fi.Mode()&os.ModeSocket != 0 {
			caps = append(caps, capfile.Capability{Name: "container_metadata_" + c.runtime, Reason: c.path +
				" is present but not queried: the CRI API is gRPC, which saker does not speak; " +
				c.runtime + " containers have only their id and runtime, from cgroup paths"})
		}
	}
	return caps, nil
}

// dockerCapability says what the Docker Engine at sock gave for the seen containers. It is
// recorded when every container got its metadata.
func dockerCapability(sock, why string, seen, inspected, unknown int, failed error) capfile.Capability {
	c := capfile.Capability{Name: "container_metadata", Recorded: seen == inspected}
	const bare = "container ids and runtimes come from cgroup paths only"
	switch {
	case sock == "":
		c.Recorded = false
		c.Reason = why + ": " + bare
	case seen == 0:
		c.Reason = "Docker Engine at " + sock + ": no container in the /proc snapshot"
	default:
		c.Reason = fmt.Sprintf("Docker Engine at %s: %d of %d containers inspected", sock, inspected, seen)
		if unknown > 0 {
			c.Reason += fmt.Sprintf("; %d unknown to it (another runtime's, or exited)", unknown)
		}
		if failed != nil {
			c.Reason += fmt.Sprintf("; asked no more after: %v", failed)
		}
	}
	return c
}
