package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// containerEnv is the whole environment of the container's processes: a container does not
// inherit the host's.
var containerEnv = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "HOSTNAME=saker-lab"}

// container is the init of the lab's container, run by `unshare --mount --pid --fork` in a
// mount namespace of its own: it mounts an overlay of DIR/lower (the image, read-only) and
// DIR/upper (the container's writable layer) on DIR/merged, makes that the root with
// pivot_root, mounts /proc, and runs the steps of the file STEPS in order. STEPS is read
// before the root changes.
func container(dir, steps string) error {
	cmds, err := readSteps(steps)
	if err != nil {
		return err
	}
	// Nothing mounted here may reach the host's mount namespace.
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		return fmt.Errorf("make / private: %w", err)
	}
	merged := filepath.Join(dir, "merged")
	opts := fmt.Sprintf("lowerdir=%s,upperdir=%s,workdir=%s",
		filepath.Join(dir, "lower"), filepath.Join(dir, "upper"), filepath.Join(dir, "work"))
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return fmt.Errorf("mount overlay on %s: %w", merged, err)
	}
	// pivot_root(".", ".") stacks the old root on the new one; detaching it leaves the
	// overlay as the namespace's root mount, as runc does.
	if err := unix.Chdir(merged); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		return fmt.Errorf("pivot_root %s: %w", merged, err)
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return fmt.Errorf("detach the old root: %w", err)
	}
	if err := unix.Chdir("/"); err != nil {
		return err
	}
	if err := unix.Mount("proc", "/proc", "proc", unix.MS_NOSUID|unix.MS_NODEV|unix.MS_NOEXEC, ""); err != nil {
		return fmt.Errorf("mount /proc: %w", err)
	}
	for _, c := range cmds {
		cmd := exec.Command(c.argv[0], c.argv[1:]...)
		cmd.Env = append(append([]string(nil), containerEnv...), c.env...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(c.argv, " "), err)
		}
	}
	return nil
}

// step is one line of a steps file: NAME=VALUE words, then a program and its arguments.
type step struct {
	env, argv []string
}

// readSteps reads a steps file: one command a line, words separated by blanks, leading
// NAME=VALUE words added to the command's environment; blank lines and lines starting
// with # are skipped.
func readSteps(name string) ([]step, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []step
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		words := strings.Fields(sc.Text())
		if len(words) == 0 || strings.HasPrefix(words[0], "#") {
			continue
		}
		var s step
		for len(words) > 0 && strings.Contains(words[0], "=") && !strings.HasPrefix(words[0], "/") {
			s.env, words = append(s.env, words[0]), words[1:]
		}
		if len(words) == 0 {
			return nil, fmt.Errorf("%s:%d: no program", name, n)
		}
		s.argv = words
		out = append(out, s)
	}
	return out, sc.Err()
}

// drop writes a copy of this program to the new file PATH, created with mode 0755 by
// open(O_CREAT) as a dropper writes its payload, and execs it with ARGS.
func drop(path string, args []string) error {
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		return err
	}
	if _, err := f.Write(self); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return unix.Exec(path, append([]string{filepath.Base(path)}, args...), os.Environ())
}

// chmod is the lab's chmod, which knows one mode: `chmod +x FILE...` adds the execute bits.
func chmod(args []string) error {
	if len(args) < 2 || args[0] != "+x" {
		return fmt.Errorf("usage: chmod +x FILE...")
	}
	for _, name := range args[1:] {
		fi, err := os.Stat(name)
		if err != nil {
			return err
		}
		if err := os.Chmod(name, fi.Mode().Perm()|0o111); err != nil {
			return err
		}
	}
	return nil
}
