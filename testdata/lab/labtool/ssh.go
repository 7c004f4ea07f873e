package main

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"time"
)

// clientBanner is the identification string the lab's SSH clients send.
const clientBanner = "SSH-2.0-saker_lab\r\n"

// sshProbe connects to each HOST:PORT, reads the server's SSH identification string and
// sends one back, as a worm checking which hosts answer SSH does before it guesses
// passwords; it stops there.
func sshProbe(addrs []string) error {
	for _, a := range addrs {
		banner, err := sshHello(a)
		if err != nil {
			return err
		}
		fmt.Printf("%s %s\n", a, banner)
	}
	return nil
}

// sshClient plays an ssh client: `ssh [-p PORT] [USER@]HOST [COMMAND...]` exchanges
// identification strings with HOST and stops, as the lab has no SSH server to log in to.
func sshClient(args []string) error {
	port := "22"
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		switch {
		case args[0] == "-p" && len(args) > 1:
			port, args = args[1], args[2:]
			continue
		case len(args[0]) == 2 && strings.Contains("iolFJEcmb", args[0][1:]) && len(args) > 1:
			args = args[2:] // an option with its value in the next word
			continue
		}
		args = args[1:]
	}
	if len(args) == 0 {
		return fmt.Errorf("usage: ssh [-p PORT] [USER@]HOST [COMMAND...]")
	}
	host := args[0]
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	banner, err := sshHello(net.JoinHostPort(host, port))
	if err != nil {
		return err
	}
	fmt.Println(banner)
	return nil
}

// sshHello exchanges SSH identification strings with addr and returns the server's.
func sshHello(addr string) (string, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("%s: %w", addr, err)
	}
	if _, err := c.Write([]byte(clientBanner)); err != nil {
		return "", fmt.Errorf("%s: %w", addr, err)
	}
	return strings.TrimSpace(line), nil
}
