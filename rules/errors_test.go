package rules_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"saker/rules"
)

var wantRe = regexp.MustCompile(`(?m)^# want (\d+):(\d+) (.*)$`)

// TestErrorFiles loads (and, when loading succeeds, compiles) each file of testdata/errors and
// checks that the errors are exactly those its `# want LINE:COL item: message` comments name.
func TestErrorFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no error files: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			rs, _, err := rules.LoadBytes(file, data)
			if err == nil {
				_, _, err = rs.Compile(newTestProvider())
			}
			var list rules.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("got %v, want an ErrorList", err)
			}
			var got []string
			for _, e := range list {
				if e.Pos.File != file {
					t.Errorf("error %q names file %q", e, e.Pos.File)
				}
				got = append(got, fmt.Sprintf("%d:%d %s", e.Pos.Line, e.Pos.Col, strings.TrimPrefix(e.Error(), e.Pos.String()+": ")))
			}
			wants := wantRe.FindAllStringSubmatch(string(data), -1)
			used := make([]bool, len(got))
			for _, w := range wants {
				prefix := w[1] + ":" + w[2] + " "
				found := false
				for i, g := range got {
					if !used[i] && strings.HasPrefix(g, prefix) && strings.Contains(g, w[3]) {
						used[i], found = true, true
						break
					}
				}
				if !found {
					t.Errorf("missing error %s%s", prefix, w[3])
				}
			}
			for i, g := range got {
				if !used[i] {
					t.Errorf("unexpected error %s", g)
				}
			}
			if t.Failed() {
				t.Logf("all errors:\n%v", err)
			}
		})
	}
}
