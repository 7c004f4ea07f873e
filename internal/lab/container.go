package lab

import (
	"fmt"
	"os"
	"path/filepath"
)

// ContainerID is the id of the lab's container: the 64 hex digits a runtime puts in the
// name of a container's cgroup (docker-ID.scope). saker reports its first 12.
const ContainerID = "5a4ec0de1ab0c0de5a4ec0de1ab0c0de5a4ec0de1ab0c0de5a4ec0de1ab0c0de"

// ShortContainerID is container.id of the lab container's processes.
const ShortContainerID = "5a4ec0de1ab0"

// hostContainer is container.id of processes outside containers.
const hostContainer = "host"

// Image lays out the lab container's file systems under dir: lower/ (the image: the lab's
// programs under /bin, linked from binDir, a resolv.conf naming the lab's DNS server, a
// script /opt/app/update.sh without execute bits, empty /proc and /usr/local/bin), and the
// empty upper/, work/ and merged/ that `labtool container` mounts the overlay with.
func Image(dir, binDir string) error {
	lower := filepath.Join(dir, "lower")
	for _, d := range []string{"upper", "work", "merged", "lower/bin", "lower/etc", "lower/opt/app",
		"lower/proc", "lower/usr/local/bin", "lower/root"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			return err
		}
	}
	for name, prog := range map[string]string{"labtool": "labtool", "chmod": "labtool", "xmrig": "miner"} {
		if err := os.Link(filepath.Join(binDir, prog), filepath.Join(lower, "bin", name)); err != nil {
			return fmt.Errorf("image: %w", err)
		}
	}
	files := []struct {
		name string
		mode os.FileMode
		body string
	}{
		{"etc/resolv.conf", 0o644, fmt.Sprintf("# saker lab container\nnameserver %s\noptions timeout:1 attempts:2\n", DNSV4)},
		{"etc/hostname", 0o644, "saker-lab\n"},
		{"opt/app/update.sh", 0o644, "#!/bin/sh\necho update\n"},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(lower, f.name), []byte(f.body), f.mode); err != nil {
			return fmt.Errorf("image: %w", err)
		}
	}
	return nil
}
