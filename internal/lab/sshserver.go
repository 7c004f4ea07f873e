package lab

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"time"
)

// SSHBanner is the identification string the lab's SSH listener sends.
const SSHBanner = "SSH-2.0-OpenSSH_9.6p1 saker-lab"

// SSHHost is the host number of the lab host that answers on port 22 (198.51.100.22).
const SSHHost = 22

// ServeSSH accepts connections on ln until it is closed (reported as nil): to each it sends
// SSHBanner, reads the client's identification line and hangs up. That is all of SSH a
// scenario needs to make a real connection to port 22; nobody can log in.
func ServeSSH(ln net.Listener) error {
	for {
		c, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("ssh: %w", err)
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write([]byte(SSHBanner + "\r\n")); err != nil {
				return
			}
			bufio.NewReader(c).ReadString('\n')
		}()
	}
}
