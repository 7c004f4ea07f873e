package rules_test

import (
	"errors"
	"testing"

	"saker/rules"
)

// FuzzParseCondition checks that the parser never panics and that canonical text is stable:
// parse -> String -> parse -> String gives the same text. Seeds live in
// testdata/fuzz/FuzzParseCondition.
func FuzzParseCondition(f *testing.F) {
	f.Add("proc.name in (bash, sh) and not fd.name startswith /etc")
	f.Fuzz(func(t *testing.T, s string) {
		n, err := rules.ParseCondition(s)
		if err != nil {
			return
		}
		c1 := n.String()
		n2, err := rules.ParseCondition(c1)
		if err != nil {
			t.Fatalf("canonical text %q of %q does not parse: %v", c1, s, err)
		}
		if c2 := n2.String(); c2 != c1 {
			t.Fatalf("canonical text unstable for %q:\n%s\n%s", s, c1, c2)
		}
	})
}

// FuzzLoad checks that loading and compiling arbitrary rules files never panics and that
// every error is positioned in the file. Seeds live in testdata/fuzz/FuzzLoad.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(baseRule))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _, err := rules.LoadBytes("f.yaml", data)
		if err == nil {
			_, _, err = rs.Compile(newTestProvider())
		}
		if err == nil {
			return
		}
		var list rules.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %v is not an ErrorList", err)
		}
		for _, e := range list {
			if e.Pos.File != "f.yaml" {
				t.Fatalf("error without file: %v", e)
			}
		}
	})
}
