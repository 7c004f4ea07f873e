package analyze

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"os/exec"
	"testing"
	"time"
)

// goClientHello returns the first bytes Go's TLS client sends for serverName.
func goClientHello(t testing.TB, serverName string) []byte {
	c, s := net.Pipe()
	go func() {
		tls.Client(c, &tls.Config{ServerName: serverName}).Handshake()
		c.Close()
	}()
	b := make([]byte, 4096)
	s.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, err := s.Read(b)
	s.Close()
	if err != nil {
		t.Fatalf("reading the ClientHello: %v", err)
	}
	return b[:n]
}

// opensslClientHello returns the first bytes `openssl s_client` sends for serverName (the
// library XMRig's TLS uses), or nil without openssl.
func opensslClientHello(t *testing.T, serverName string) []byte {
	if _, err := exec.LookPath("openssl"); err != nil {
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			got <- nil
			return
		}
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		b := make([]byte, 4096)
		n, _ := io.ReadAtLeast(c, b, 9)
		c.Close()
		got <- b[:n]
	}()
	cmd := exec.Command("openssl", "s_client", "-connect", ln.Addr().String(), "-servername", serverName)
	cmd.Stdin = bytes.NewReader(nil)
	cmd.Run()
	return <-got
}

func TestClientHelloSNI(t *testing.T) {
	hellos := map[string][]byte{"go": goClientHello(t, "Pool.SupportXMR.com")}
	if b := opensslClientHello(t, "pool.supportxmr.com"); b != nil {
		hellos["openssl"] = b
	}
	for lib, b := range hellos {
		name, ok := clientHelloSNI(b)
		if !ok || !bytes.EqualFold(name, []byte("pool.supportxmr.com")) {
			t.Fatalf("%s: sni %q %v", lib, name, ok)
		}
		end := bytes.Index(b, name) + len(name)
		t.Logf("%s ClientHello: %d bytes, name ends at %d", lib, len(b), end)
		// Cut by the snap length: the name is found when it is whole, never otherwise.
		for cut := 0; cut <= len(b); cut++ {
			n, ok := clientHelloSNI(b[:cut])
			if ok != (cut >= end) || ok && !bytes.Equal(n, name) {
				t.Fatalf("%s cut at %d: %q %v", lib, cut, n, ok)
			}
		}
	}
	for _, c := range []struct{ name, b string }{
		{"empty", ""},
		{"http", "GET / HTTP/1.1\r\nHost: pool.supportxmr.com\r\n\r\n"},
		{"stratum", xmrigLogin},
		{"server hello", "\x16\x03\x03\x00\x10\x02\x00\x00\x0c"},
	} {
		if n, ok := clientHelloSNI([]byte(c.b)); ok {
			t.Errorf("%s: sni %q", c.name, n)
		}
	}
	// Without a server name (an IP address as the server) there is no SNI.
	if n, ok := clientHelloSNI(goClientHello(t, "192.0.2.7")); ok {
		t.Errorf("ClientHello to an address: sni %q", n)
	}
}

func FuzzClientHelloSNI(f *testing.F) {
	f.Add(goClientHello(f, "pool.supportxmr.com"))
	f.Add([]byte("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03"))
	f.Fuzz(func(t *testing.T, b []byte) {
		n, ok := clientHelloSNI(b)
		if ok && (!hostName(n) || !bytes.Contains(b, n)) {
			t.Fatalf("sni %q", n)
		}
	})
}
