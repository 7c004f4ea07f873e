package main

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Stand-ins for the system programs the kill-chain scenarios run. Each plays the part a
// campaign script needs of the real program (its name and command line in the capture, the
// files it writes) and touches nothing outside the lab: no service is stopped, no account
// created, no CPU limited, and nothing is scanned but the lab's own addresses.

// standIn runs the stand-in called name, if there is one.
func standIn(name string, args []string) (bool, error) {
	switch name {
	case "systemctl", "cpulimit", "useradd", "iptables":
		// A service manager with no services, a limiter that limits nothing, an account
		// tool that adds no account, a firewall that adds no rule: only their command
		// lines matter.
		return true, nil
	case "crontab":
		return true, crontab(args)
	case "masscan":
		return true, masscan(args)
	case "dpkg":
		return true, dpkg(args)
	}
	return false, nil
}

// crontabDir is where the stand-in crontab keeps tables, as Debian's does. The lab's
// scenarios run it in a mount namespace with an overlay on /var/spool.
const crontabDir = "/var/spool/cron/crontabs"

// crontab plays crontab(1) for the current user: `-l` prints the table, `-e` runs $EDITOR
// on a copy in /tmp and installs the result, `-` or FILE installs standard input or FILE.
// Tables are installed as the real program does: a temporary file in the spool directory,
// renamed over the user's table.
func crontab(args []string) error {
	user := os.Getenv("USER")
	if user == "" {
		user = "root"
	}
	table := filepath.Join(crontabDir, user)
	if len(args) == 0 {
		return errors.New("usage: crontab [-l | -e | - | FILE]")
	}
	var body []byte
	var err error
	switch args[0] {
	case "-l":
		b, err := os.ReadFile(table)
		if err != nil {
			return fmt.Errorf("no crontab for %s", user)
		}
		_, err = os.Stdout.Write(b)
		return err
	case "-e":
		old, _ := os.ReadFile(table)
		f, err := os.CreateTemp("/tmp", "crontab.")
		if err != nil {
			return err
		}
		defer os.Remove(f.Name())
		if _, err := f.Write(old); err != nil {
			return err
		}
		f.Close()
		editor := os.Getenv("EDITOR")
		if editor == "" {
			editor = "vi"
		}
		cmd := exec.Command("/bin/sh", "-c", editor+` "$1"`, "sh", f.Name())
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("editor: %w", err)
		}
		body, err = os.ReadFile(f.Name())
		if err != nil {
			return err
		}
	case "-":
		body, err = io.ReadAll(os.Stdin)
	default:
		body, err = os.ReadFile(args[0])
	}
	if err != nil {
		return err
	}
	if err := os.MkdirAll(crontabDir, 0o730); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(crontabDir, "tmp.")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(body); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), table)
}

// masscan plays a port scanner: `masscan -pPORT,PORT... ADDR...` starts a TCP connection to
// every port of every address, waits at most a second for each, and reports the open ones.
func masscan(args []string) error {
	var ports, addrs []string
	for _, a := range args {
		switch {
		case strings.HasPrefix(a, "-p"):
			ports = append(ports, strings.Split(strings.TrimPrefix(a, "-p"), ",")...)
		case strings.HasPrefix(a, "-"):
		default:
			addrs = append(addrs, a)
		}
	}
	for _, h := range addrs {
		for _, p := range ports {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(h, p), time.Second)
			if err != nil {
				continue
			}
			fmt.Printf("Discovered open port %s/tcp on %s\n", p, h)
			c.Close()
		}
	}
	return nil
}

// dpkg plays `dpkg -i DIR`: it installs the files under DIR/root into / (the scenario runs
// it in a mount namespace with overlays on the directories written) the way dpkg does (a
// .dpkg-new file renamed into place), then runs DIR/postinst with sh.
func dpkg(args []string) error {
	if len(args) != 2 || args[0] != "-i" {
		return errors.New("usage: dpkg -i DIR")
	}
	root := filepath.Join(args[1], "root")
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		to := filepath.Join("/", rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.WriteFile(to+".dpkg-new", b, fi.Mode().Perm()); err != nil {
			return err
		}
		return os.Rename(to+".dpkg-new", to)
	})
	if err != nil {
		return err
	}
	cmd := exec.Command("/bin/sh", filepath.Join(args[1], "postinst"), "configure")
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}

// dockerAPI serves a Docker Engine API stand-in on the unix socket at path: /_ping answers
// OK, every other request is read whole and refused with 500, so a client's create request
// is recorded and nothing is ever created. It serves until it has refused one request or
// ten seconds have passed.
func dockerAPI(path string) error {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	defer ln.Close()
	done := make(chan struct{}, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/_ping" {
			io.WriteString(w, "OK")
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
		io.WriteString(w, `{"message":"saker lab: no containers here"}`+"\n")
		select {
		case done <- struct{}{}:
		default:
		}
	})
	go http.Serve(ln, h)
	fmt.Println("listening")
	select {
	case <-done:
		time.Sleep(100 * time.Millisecond)
	case <-time.After(10 * time.Second):
	}
	return nil
}

// wait sleeps until it is killed, at most ten seconds: a rival's process for the
// competition scenario to find and kill.
func wait() error {
	time.Sleep(10 * time.Second)
	return nil
}

// nmiWatchdog opens /proc/sys/kernel/nmi_watchdog for writing, as miner scripts do to
// turn it off, but writes nothing: the host's setting stays as it is.
func nmiWatchdog() error {
	f, err := os.OpenFile("/proc/sys/kernel/nmi_watchdog", os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

// waitFile waits until path exists, at most five seconds.
func waitFile(path string) error {
	for i := 0; i < 100; i++ {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s: not there after 5s", path)
}
