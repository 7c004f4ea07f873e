package dns

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// dnsUpdate reports whether -update was given. The flag is shared with the package's other
// golden tests: it is registered here only if no other file did.
var dnsUpdateFlag = func() *flag.Flag {
	if f := flag.Lookup("update"); f != nil {
		return f
	}
	flag.Bool("update", false, "rewrite golden files under testdata/")
	return flag.Lookup("update")
}()

func dnsUpdate() bool { return dnsUpdateFlag.Value.String() == "true" }

// dnsCorpus is where the shared real captures live, beside the repository; tests skip
// without it.
const dnsCorpus = "../../shared/corpus/pcap"

func dnsCorpusFiles(t *testing.T) []string {
	files, _ := filepath.Glob(filepath.Join(dnsCorpus, "*", "*.pcap*"))
	if len(files) == 0 {
		t.Skipf("no captures under %s", dnsCorpus)
	}
	return files
}

// dnsLine is the canonical text of a message that golden files hold.
func dnsLine(m *Message, ts bool) string {
	var b strings.Builder
	if ts {
		fmt.Fprintf(&b, "%d.%09d ", m.TS/1e9, m.TS%1e9)
	}
	proto := "udp"
	if m.Proto == 6 {
		proto = "tcp"
	}
	fmt.Fprintf(&b, "%s %s > %s id=0x%04x", proto, m.Client, m.Server, m.ID)
	if m.Response {
		fmt.Fprintf(&b, " R %s", RcodeName(m.Rcode))
	} else {
		b.WriteString(" Q")
	}
	fmt.Fprintf(&b, " %s %s", m.QName, TypeName(m.QType))
	if m.Truncated {
		b.WriteString(" TC")
	}
	for i, a := range m.Answers {
		sep := "; "
		if i == 0 {
			sep = " | "
		}
		val := a.Target
		if a.IP.IsValid() {
			val = a.IP.String()
		}
		fmt.Fprintf(&b, "%s%s %s %d %s", sep, TypeName(a.Type), a.Name, a.TTL, val)
	}
	return b.String()
}

func dnsLines(msgs []Message) string {
	var b strings.Builder
	for i := range msgs {
		b.WriteString(dnsLine(&msgs[i], true))
		b.WriteByte('\n')
	}
	return b.String()
}

// TestDNSGolden decodes the real captures of the shared corpus and compares every message,
// its time to the nanosecond, names, addresses and TTLs with testdata/golden/<file>.golden.
// `go test -run TestDNSGolden -update` rewrites them; TestDNSTshark checks them independently.
func TestDNSGolden(t *testing.T) {
	for _, path := range dnsCorpusFiles(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			msgs, st, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := fmt.Sprintf("# %s: %d packets, %d messages, %d malformed, %d skipped, %d tcp partial\n%s",
				name, st.Packets, st.Messages, st.Malformed, st.Skipped, st.TCPPartial, dnsLines(msgs))
			golden := filepath.Join("testdata", "golden", name+".golden")
			if dnsUpdate() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the decoding:\n%s", golden, got)
			}
		})
	}
}

// TestDNSTshark compares saker's decoding of the corpus with Wireshark's: for every DNS
// message tshark shows, the time, id, direction, question, rcode, TC bit and the A, AAAA and
// CNAME records of the answer section with their TTLs.
func TestDNSTshark(t *testing.T) {
	tshark, err := exec.LookPath("tshark")
	if err != nil {
		t.Skip("tshark not installed")
	}
	for _, path := range dnsCorpusFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want := dnsTsharkLines(t, tshark, path)
			msgs, _, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for i := range msgs {
				got = append(got, dnsTsharkForm(&msgs[i]))
			}
			if g, w := strings.Join(got, "\n"), strings.Join(want, "\n"); g != w {
				t.Errorf("saker:\n%s\ntshark:\n%s", g, w)
			}
			t.Logf("%d messages agree with tshark", len(got))
		})
	}
}

// dnsTsharkForm renders m as dnsTsharkLines renders tshark's fields.
func dnsTsharkForm(m *Message) string {
	resp, rcode := "0", ""
	if m.Response {
		resp, rcode = "1", strconv.Itoa(int(m.Rcode))
	}
	tc := "0"
	if m.Truncated {
		tc = "1"
	}
	var ans []string
	for _, a := range m.Answers {
		val := a.Target
		if a.IP.IsValid() {
			val = a.IP.String()
		}
		ans = append(ans, fmt.Sprintf("%d/%s/%d/%s", a.Type, a.Name, a.TTL, val))
	}
	return fmt.Sprintf("%d.%09d|%d|%s|%s|%d|%s|%s|%s", m.TS/1e9, m.TS%1e9, m.ID, resp, m.QName, m.QType, rcode, tc, strings.Join(ans, ","))
}

// dnsTsharkLines runs tshark on path and renders each DNS message like dnsTsharkForm. The
// extra arguments go to tshark (preferences: -o name:value). The
// answer section is the first dns.count.answers of the resp.* occurrences, whose A, AAAA and
// CNAME values are taken in order from dns.a, dns.aaaa and dns.cname.
func dnsTsharkLines(t *testing.T, tshark, path string, extra ...string) []string {
	fields := []string{"frame.time_epoch", "dns.id", "dns.flags.response", "dns.qry.name", "dns.qry.type",
		"dns.flags.rcode", "dns.flags.truncated", "dns.count.answers", "dns.resp.name", "dns.resp.type",
		"dns.resp.ttl", "dns.a", "dns.aaaa", "dns.cname", "dns.count.auth_rr", "dns.count.add_rr"}
	args := []string{"-n", "-r", path, "-Y", "dns && !icmp && !icmpv6", "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=,"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	args = append(args, extra...)
	var stderr bytes.Buffer
	cmd := exec.Command(tshark, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark: %v: %s", err, stderr.String())
	}
	split := func(s string) []string {
		if s == "" {
			return nil
		}
		return strings.Split(s, ",")
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if l == "" {
			continue
		}
		f := strings.Split(l, "|")
		// A frame that completes several messages (DNS over TCP) lists each field of every
		// message, one after the other; the record fields run over all sections of all of
		// them, so each message skips its authority and additional records.
		ids, resps, qnames, qtypes, rcodes, tcs := split(f[1]), split(f[2]), split(f[3]), split(f[4]), split(f[5]), split(f[6])
		nans, nauth, nadd := split(f[7]), split(f[14]), split(f[15])
		names, types, ttls := split(f[8]), split(f[9]), split(f[10])
		vals := map[string][]string{"1": split(f[11]), "28": split(f[12]), "5": split(f[13])}
		rr := 0
		for k := range ids {
			id, _ := strconv.ParseUint(strings.TrimPrefix(ids[k], "0x"), 16, 16)
			n, _ := strconv.Atoi(nans[k])
			na, _ := strconv.Atoi(nauth[k])
			nd, _ := strconv.Atoi(nadd[k])
			var ans []string
			for i := 0; i < n+na+nd && rr < len(types); i, rr = i+1, rr+1 {
				v := vals[types[rr]]
				if v == nil {
					continue // a type saker does not keep
				}
				vals[types[rr]] = v[1:]
				if i < n {
					ans = append(ans, fmt.Sprintf("%s/%s/%s/%s", types[rr], names[rr], ttls[rr], v[0]))
				}
			}
			rcode := at(rcodes, k)
			if resps[k] == "0" {
				rcode = ""
			}
			lines = append(lines, fmt.Sprintf("%s|%d|%s|%s|%s|%s|%s|%s", f[0], id, resps[k], at(qnames, k), at(qtypes, k), rcode, at(tcs, k), strings.Join(ans, ",")))
		}
	}
	return lines
}

// at returns s[i], or "" past its end (a field a message lacks).
func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return ""
}
