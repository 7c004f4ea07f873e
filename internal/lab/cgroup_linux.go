package lab

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Cgroup is the lab container's cgroup v2 directory, SLICE/docker-ContainerID.scope, named
// as systemd's cgroup driver names a Docker container's, so that saker finds ContainerID
// in the cgroup path of its processes.
type Cgroup struct {
	// Path is the scope directory; slice its parent, which the lab made too.
	Path  string
	slice string
	dir   *os.File
}

// NewCgroup creates NAME.slice/docker-ContainerID.scope under the cgroup v2 hierarchy.
// Call Close to remove it.
func NewCgroup(name string) (*Cgroup, error) {
	root, err := cgroup2Root()
	if err != nil {
		return nil, err
	}
	c := &Cgroup{slice: filepath.Join(root, name+".slice")}
	c.Path = filepath.Join(c.slice, "docker-"+ContainerID+".scope")
	if err := os.Mkdir(c.slice, 0o755); err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	if err := os.Mkdir(c.Path, 0o755); err != nil {
		os.Remove(c.slice)
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	if c.dir, err = os.Open(c.Path); err != nil {
		c.Close()
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	return c, nil
}

// Start makes cmd start in the cgroup: clone3's CLONE_INTO_CGROUP puts the child there
// before it execs anything.
func (c *Cgroup) Start(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.UseCgroupFD = true
	cmd.SysProcAttr.CgroupFD = int(c.dir.Fd())
}

// Close kills the processes left in the cgroup and removes the scope and the slice.
func (c *Cgroup) Close() error {
	if c.dir != nil {
		c.dir.Close()
		c.dir = nil
	}
	return removeCgroup(c.slice)
}

// removeCgroup kills the processes of the cgroup slice and its children and removes them,
// children first. The kernel removes a cgroup only once its killed processes are reaped,
// hence the retries.
func removeCgroup(slice string) error {
	dirs := []string{}
	filepath.WalkDir(slice, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			dirs = append(dirs, p)
		}
		return nil
	})
	var errs []error
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		os.WriteFile(filepath.Join(d, "cgroup.kill"), []byte("1"), 0)
		var err error
		for try := 0; try < 50; try++ {
			if err = os.Remove(d); err == nil || errors.Is(err, os.ErrNotExist) {
				err = nil
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("cgroup: %w", err))
		}
	}
	return errors.Join(errs...)
}

// cgroup2Root returns where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup, or
// /sys/fs/cgroup/unified on hosts in systemd's hybrid mode.
func cgroup2Root() (string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
		fields := strings.Fields(sc.Text())
		for i, w := range fields {
			if w == "-" && i+1 < len(fields) && i > 4 && fields[i+1] == "cgroup2" {
				return fields[4], nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", errors.New("no cgroup2 mount")
}

// removeStaleCgroups removes the cgroup slices saker-lab-PID.slice of lab runs whose PID
// no longer runs, with what is left in them.
func removeStaleCgroups() error {
	root, err := cgroup2Root()
	if err != nil {
		return nil
	}
	ents, err := os.ReadDir(root)
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), "saker-lab-")
		pid, ok2 := strings.CutSuffix(rest, ".slice")
		if !ok || !ok2 || !e.IsDir() || pid == "" || strings.Trim(pid, "0123456789") != "" {
			continue
		}
		if _, err := os.Stat("/proc/" + pid); err == nil {
			continue
		}
		errs = append(errs, removeCgroup(filepath.Join(root, e.Name())))
	}
	return errors.Join(errs...)
}
