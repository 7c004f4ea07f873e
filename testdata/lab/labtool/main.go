// Command labtool does the attack lab's small host actions, one per subcommand:
//
//	labtool memexec NAME ARG...   copy this program into a memfd called NAME and exec it from there
//	labtool hugepages             open /proc/sys/vm/nr_hugepages for writing, as miners do to raise
//	                              it, but write nothing: the host's setting stays as it is
//	labtool lookup NAME...        resolve names with the system resolver
//	labtool fetch URL DIR         download URL into DIR the way package managers do (temporary
//	                              file, rename, status file)
//	labtool serve                 listen on loopback, answer one HTTP request made to itself
//	labtool sshprobe ADDR...      exchange SSH identification strings with each HOST:PORT
//	labtool container DIR STEPS   be the init of the lab's container: overlay root from DIR,
//	                              then run the commands of the file STEPS
//	labtool drop PATH ARG...      write a copy of this program to the new 0755 file PATH, exec it
//	labtool wait                  sleep until killed, at most 10 s (a rival miner to kill)
//	labtool nmiwatchdog           open /proc/sys/kernel/nmi_watchdog for writing, write nothing
//	labtool dockerapi SOCK        serve a Docker API stand-in on SOCK that refuses one request
//	labtool waitfile PATH         wait until PATH exists, at most 5 s
//	labtool uring HOST:PORT FILE WALLET
//	                              resolve HOST, then through io_uring requests only open FILE,
//	                              connect, send a Stratum login and read the reply
//	labtool [anything else]       exit 0 (the drift scenarios run copies of it)
//
// Linked as "modprobe" it plays a modprobe that finds no module: the lab records the attempt
// to load msr without ever loading a kernel module. Linked as "chmod" it is a chmod that
// knows +x, and as "ssh" an ssh client that stops after the servers' identification.
// Linked as systemctl, cpulimit, useradd, iptables, crontab, masscan or dpkg it is the stand-in of
// standins.go: the command line a campaign runs, without its effect on the host.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

func main() {
	name := filepath.Base(os.Args[0])
	var err error
	switch name {
	case "modprobe":
		fmt.Fprintf(os.Stderr, "modprobe: FATAL: Module %s not found in directory /lib/modules (saker lab)\n", argOr(1))
		os.Exit(1)
	case "chmod":
		err = chmod(os.Args[1:])
	case "ssh":
		err = sshClient(os.Args[1:])
	default:
		if ok, serr := standIn(name, os.Args[1:]); ok {
			err = serr
			break
		}
		name = "labtool " + argOr(1)
		err = subcommand(argOr(1))
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// subcommand runs labtool's subcommand cmd; unknown ones do nothing.
func subcommand(cmd string) error {
	switch cmd {
	case "memexec":
		return memexec(os.Args[2], os.Args[3:])
	case "hugepages":
		return hugepages()
	case "lookup":
		return lookup(os.Args[2:])
	case "fetch":
		return fetch(os.Args[2], os.Args[3])
	case "serve":
		return serve()
	case "sshprobe":
		return sshProbe(os.Args[2:])
	case "container":
		return container(os.Args[2], os.Args[3])
	case "drop":
		return drop(os.Args[2], os.Args[3:])
	case "wait":
		return wait()
	case "nmiwatchdog":
		return nmiWatchdog()
	case "dockerapi":
		return dockerAPI(os.Args[2])
	case "waitfile":
		return waitFile(os.Args[2])
	case "uring":
		return uringMiner(os.Args[2], os.Args[3], os.Args[4])
	}
	return nil
}

func argOr(i int) string {
	if len(os.Args) > i {
		return os.Args[i]
	}
	return ""
}

// memexec runs this program again from an anonymous memory file.
func memexec(name string, args []string) error {
	self, err := os.ReadFile("/proc/self/exe")
	if err != nil {
		return err
	}
	fd, err := unix.MemfdCreate(name, 0)
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), name)
	if _, err := f.Write(self); err != nil {
		return err
	}
	path := fmt.Sprintf("/proc/self/fd/%d", fd)
	return unix.Exec(path, append([]string{name}, args...), os.Environ())
}

func hugepages() error {
	f, err := os.OpenFile("/proc/sys/vm/nr_hugepages", os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	return f.Close()
}

func lookup(names []string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, n := range names {
		addrs, err := net.DefaultResolver.LookupHost(ctx, n)
		if err != nil {
			return err
		}
		fmt.Println(n, addrs)
	}
	return nil
}

func fetch(url, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "partial"), 0o755); err != nil {
		return err
	}
	c := &http.Client{Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	name := filepath.Base(resp.Request.URL.Path)
	tmp := filepath.Join(dir, "partial", name)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	n, err := io.Copy(f, resp.Body)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	status := fmt.Sprintf("Package: %s\nStatus: install ok installed\nSize: %d\n", name, n)
	return os.WriteFile(filepath.Join(dir, "status"), []byte(status), 0o644)
}

func serve() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
			return
		}
		io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := io.WriteString(c, "GET /health HTTP/1.0\r\n\r\n"); err != nil {
		return err
	}
	b, err := io.ReadAll(c)
	if err != nil {
		return err
	}
	fmt.Printf("%s", b)
	return nil
}
