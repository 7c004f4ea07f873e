//go:build linux

package uring

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRing opens a file, reads nothing of it, and has a loopback conversation, all through
// io_uring requests; the listener's side checks what arrived.
func TestRing(t *testing.T) {
	r, err := New(8)
	if err != nil {
		t.Skipf("io_uring unavailable here: %v", err)
	}
	defer r.Close()
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	fd, err := r.Openat(unix.AT_FDCWD, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("Openat: %v", err)
	}
	if err := r.CloseFD(fd); err != nil {
		t.Fatalf("CloseFD: %v", err)
	}
	if _, err := r.Openat(unix.AT_FDCWD, path+".missing", unix.O_RDONLY, 0); err != unix.ENOENT {
		t.Fatalf("Openat of a missing file: %v, want ENOENT", err)
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			got <- nil
			return
		}
		defer c.Close()
		b := make([]byte, 5)
		io.ReadFull(c, b)
		c.Write([]byte("pong"))
		got <- b
	}()
	s, err := r.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("Socket: %v", err)
	}
	if err := r.Connect(s, [4]byte{127, 0, 0, 1}, l.Addr().(*net.TCPAddr).Port); err != nil {
		t.Fatalf("Connect: %v", err)
	}
	if n, err := r.Send(s, []byte("hello")); err != nil || n != 5 {
		t.Fatalf("Send = %d, %v", n, err)
	}
	b := make([]byte, 16)
	n, err := r.Recv(s, b)
	if err != nil || string(b[:n]) != "pong" {
		t.Fatalf("Recv = %q, %v", b[:n], err)
	}
	if err := r.CloseFD(s); err != nil {
		t.Fatalf("CloseFD: %v", err)
	}
	if b := <-got; !bytes.Equal(b, []byte("hello")) {
		t.Fatalf("listener got %q", b)
	}
}
