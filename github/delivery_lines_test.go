package github

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// TestSplitValuesLines checks the line of each value and of each damaged line of a JSON lines
// file against a count from the start of the file.
func TestSplitValuesLines(t *testing.T) {
	src := "{\"a\":1}\n\n  {\"b\":\n2}\n{broken\n{\"c\":3} {\"d\":4}\n\n\n{oops\n{\"e\":5}\n"
	vals, lines, err := splitValues([]byte(src))
	var want []int
	for _, v := range vals {
		off := bytes.Index([]byte(src), v)
		want = append(want, strings.Count(src[:off], "\n")+1)
	}
	if len(vals) != 5 || !slices.Equal(lines, want) || !slices.Equal(lines, []int{1, 3, 6, 6, 10}) {
		t.Fatalf("got %d values at lines %v, want 5 at %v", len(vals), lines, want)
	}
	if err == nil || !strings.Contains(err.Error(), "line 5:") || !strings.Contains(err.Error(), "line 9:") {
		t.Fatalf("got error %v, want errors at lines 5 and 9", err)
	}
}
