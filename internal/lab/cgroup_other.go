//go:build !linux

package lab

import (
	"errors"
	"os/exec"
)

// Cgroup is the lab container's cgroup; cgroups are Linux's.
type Cgroup struct {
	Path string
}

// NewCgroup returns errors.ErrUnsupported outside Linux.
func NewCgroup(name string) (*Cgroup, error) { return nil, errors.ErrUnsupported }

// Start does nothing outside Linux.
func (c *Cgroup) Start(cmd *exec.Cmd) {}

// Close does nothing outside Linux.
func (c *Cgroup) Close() error { return nil }

func removeStaleCgroups() error { return nil }
