package analyze

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// TestFindingJSONKeepsRawBytes: a command line with bytes that are not UTF-8 (a hostile
// argv) reaches --json as U+FFFD in Falco's fields, and exactly in saker.raw_base64.
func TestFindingJSONKeepsRawBytes(t *testing.T) {
	arg := "stratum+tcp://pool.supportxmr.com:3333\xff\xfe\x1b[2J"
	evs := one(fork(10, 900, 950), execve(11, 950, "/tmp/.x1mr/xmrig", []string{"xmrig", "-o", arg}, 0, ""))
	fs := runCase(t, "", evs)
	if len(fs) == 0 {
		t.Fatal("no findings")
	}
	for _, f := range fs {
		js, err := f.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			Saker struct {
				Raw map[string]json.RawMessage `json:"raw_base64"`
			} `json:"saker"`
		}
		if err := json.Unmarshal(js, &v); err != nil {
			t.Fatalf("%s: %v\n%s", f.Rule, err, js)
		}
		var got []byte
		if err := json.Unmarshal(v.Saker.Raw["proc.cmdline"], &got); err != nil {
			t.Fatalf("%s: raw proc.cmdline: %v\n%s", f.Rule, err, js)
		}
		if want := "xmrig -o " + arg; string(got) != want {
			t.Errorf("%s: raw proc.cmdline %q, want %q", f.Rule, got, want)
		}
		var out string
		if err := json.Unmarshal(v.Saker.Raw["output"], &out); err != nil {
			t.Fatalf("%s: raw output: %v", f.Rule, err)
		}
		if dec, _ := base64.StdEncoding.DecodeString(out); !bytes.Contains(dec, []byte(arg)) {
			t.Errorf("%s: raw output lacks the argument's bytes: %q", f.Rule, dec)
		}
	}
	// Valid UTF-8 adds nothing.
	clean := runCase(t, "", one(fork(10, 900, 950), execve(11, 950, "/tmp/.x1mr/xmrig", []string{"xmrig", "-o", "stratum+tcp://pool.supportxmr.com:3333"}, 0, "")))
	for _, f := range clean {
		js, _ := f.MarshalJSON()
		if bytes.Contains(js, []byte("raw_base64")) {
			t.Errorf("%s: raw_base64 for valid text:\n%s", f.Rule, js)
		}
	}
}
