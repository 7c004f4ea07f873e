package lab

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"
)

// TestServeDNS resolves the lab's names through ServeDNS on loopback with Go's resolver.
func TestServeDNS(t *testing.T) {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	go ServeDNS(pc, LabZone())
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", pc.LocalAddr().String())
	}}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name, network string
		want          []string
		cname         string
	}{
		{"pool.supportxmr.com", "ip4", []string{"198.51.100.7"}, "pool.supportxmr.com."},
		{"pool.supportxmr.com", "ip6", []string{"2001:db8:5a4e::7"}, "pool.supportxmr.com."},
		{"mine.xmrpool.net", "ip6", []string{"2001:db8:5a4e::8"}, "edge-eu.xmrpool.net."},
		{"xmr.pool.minergate.com", "ip4", []string{"198.51.100.10"}, "pool-lb.minergate.com."},
		{"Downloads.Example.ORG", "ip", []string{"198.51.100.80", "2001:db8:5a4e::50"}, "cdn.example.net."},
	} {
		t.Run(tc.name+"/"+tc.network, func(t *testing.T) {
			ips, err := r.LookupIP(ctx, tc.network, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, ip := range ips {
				got = append(got, ip.String())
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("addresses %v, want %v", got, tc.want)
			}
			cname, err := r.LookupCNAME(ctx, tc.name)
			if err != nil {
				t.Fatal(err)
			}
			// Go's resolver races its A, AAAA and CNAME queries; for a chain of two CNAMEs
			// it reports the end of the chain or, depending on which answer came first, its
			// first link. Either proves the server answered the chain.
			if cname != tc.cname && !(tc.name == "mine.xmrpool.net" && cname == "eu.mine.xmrpool.net.") {
				t.Errorf("canonical name %q, want %q", cname, tc.cname)
			}
		})
	}
	_, err = r.LookupHost(ctx, "unknown.example.org")
	var de *net.DNSError
	if !errors.As(err, &de) || !de.IsNotFound {
		t.Errorf("unknown name: %v, want not found", err)
	}
}

// TestZoneAnswerChain checks the wire answer of a CNAME chain: every link, then the address.
func TestZoneAnswerChain(t *testing.T) {
	b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: 7, RecursionDesired: true})
	b.StartQuestions()
	b.Question(dnsmessage.Question{Name: dnsmessage.MustNewName("mine.xmrpool.net."), Type: dnsmessage.TypeA, Class: dnsmessage.ClassINET})
	q, err := b.Finish()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := LabZone().Answer(q)
	if err != nil {
		t.Fatal(err)
	}
	var m dnsmessage.Message
	if err := m.Unpack(resp); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range m.Answers {
		got = append(got, a.Header.Name.String()+" "+a.Body.GoString())
	}
	want := []string{
		`mine.xmrpool.net. dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName("eu.mine.xmrpool.net.")}`,
		`eu.mine.xmrpool.net. dnsmessage.CNAMEResource{CNAME: dnsmessage.MustNewName("edge-eu.xmrpool.net.")}`,
		`edge-eu.xmrpool.net. dnsmessage.AResource{A: [4]byte{198, 51, 100, 8}}`,
	}
	if m.ID != 7 || !m.Response || !m.Authoritative || !slices.Equal(got, want) {
		t.Errorf("answer id %d response %v aa %v:\n%s\nwant\n%s", m.ID, m.Response, m.Authoritative,
			strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestServePool speaks both dialects to ServePool and checks the messages a miner relies on.
func TestServePool(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go ServePool(ln)
	for _, tc := range []struct {
		name string
		send []string
		// want are the methods (or "result") of the lines expected back, in order.
		want []string
	}{
		{"monero", []string{
			`{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":"` + Wallet + `","pass":"x","agent":"XMRig/6.26.0"}}`,
			`{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":"saker-lab-1","job_id":"2","nonce":"00000000","result":"00"}}`,
		}, []string{"result", "job", "result"}},
		{"stratum-v1", []string{
			`{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}`,
			`{"id":2,"method":"mining.authorize","params":["w","x"]}`,
			`{"id":3,"method":"mining.submit","params":["w","job1","00000000","5f5e1000","00000000"]}`,
		}, []string{"result", "result", "mining.set_difficulty", "mining.notify", "result", "mining.notify"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			for _, s := range tc.send {
				if _, err := c.Write([]byte(s + "\n")); err != nil {
					t.Fatal(err)
				}
			}
			r := bufio.NewReader(c)
			var got []string
			for range tc.want {
				line, err := r.ReadBytes('\n')
				if err != nil {
					t.Fatalf("after %v: %v", got, err)
				}
				var m struct {
					Method string          `json:"method"`
					Result json.RawMessage `json:"result"`
					Params json.RawMessage `json:"params"`
				}
				if err := json.Unmarshal(line, &m); err != nil {
					t.Fatalf("%q: %v", line, err)
				}
				switch {
				case m.Method != "":
					got = append(got, m.Method)
				case m.Result != nil:
					got = append(got, "result")
				}
				if m.Method == "job" && !strings.Contains(string(m.Params), `"blob":`) {
					t.Errorf("job without a blob: %s", line)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("pool sent %v, want %v", got, tc.want)
			}
		})
	}
}

// TestServeSSH checks the SSH listener's exchange: its banner, then hanging up after the
// client's line.
func TestServeSSH(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go ServeSSH(ln)
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	if err != nil || line != SSHBanner+"\r\n" {
		t.Fatalf("banner %q, %v; want %q", line, err, SSHBanner+"\r\n")
	}
	if _, err := c.Write([]byte("SSH-2.0-test\r\n")); err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(r); err != nil || len(b) != 0 {
		t.Errorf("after the client's line: %q, %v; want the server to hang up", b, err)
	}
}

// TestGlob checks the expectation patterns.
func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"abc", "abc", true},
		{"abc", "abcd", false},
		{"*->198.51.100.7:3333", "198.51.100.2:4242->198.51.100.7:3333", true},
		{"*->198.51.100.7:3333", "198.51.100.2:4242->198.51.100.7:33333", false},
		{`{"id":*,"method":"mining.submit"*`, `{"id":12,"method":"mining.submit","params":[]}`, true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
		{"*", "", true},
	} {
		if got := glob(tc.pat, tc.s); got != tc.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tc.pat, tc.s, got, tc.want)
		}
	}
}
