package analyze

import (
	"strings"
	"testing"
)

func TestBlindRules(t *testing.T) {
	rs, _, err := LoadRules(false)
	if err != nil {
		t.Fatal(err)
	}
	if got := BlindRules(rs, "full", nil); got != nil {
		t.Errorf("nothing left out: %q", got)
	}
	// The standard profile leaves out read, write, readv and writev.
	got := BlindRules(rs, "standard", []string{"read", "write", "readv", "writev"})
	find := func(rule string) string {
		for _, l := range got {
			if strings.HasPrefix(l, `rule "`+rule+`" `) {
				return l
			}
		}
		return ""
	}
	if l := find("Huge Pages Raised"); !strings.Contains(l, "could not see its events: write, writev not recorded (capture profile standard)") {
		t.Errorf("huge pages: %q", l)
	}
	// sendto, sendmsg and the receives by recvfrom were still recorded.
	if l := find("Mining Protocol in Socket Payload"); !strings.Contains(l, "saw only part of its events: write, read, readv, writev not recorded") &&
		!strings.Contains(l, "saw only part of its events: read, write, readv, writev not recorded") {
		t.Errorf("stratum payload: %q", l)
	}
	// A rule on other event types, and one on exec only, are not named.
	for _, r := range []string{"Outbound Connection to Mining Pool", "Known Miner Binary Executed"} {
		if l := find(r); l != "" {
			t.Errorf("%s named: %q", r, l)
		}
	}
	if len(got) == 0 || len(got) > 6 {
		t.Errorf("%d rules named: %q", len(got), got)
	}
}
