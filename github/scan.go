package github

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
)

// Match is one miner indicator found in a workflow file.
type Match struct {
	Line int    // 1-based line of the workflow file
	Kind string // the indicator's kind: a miner name ("xmrig"), "stratum", "pool", "wallet"...
	Text string // the text that matched, as it reads after lower-casing (and decoding)
	// Encoded is true when the indicator was found in a base64 blob on the line, decoded.
	Encoded bool
}

// String formats m as "line N: kind: text", with "(base64)" after an encoded match.
func (m Match) String() string {
	s := "line " + strconv.Itoa(m.Line) + ": " + m.Kind + ": " + m.Text
	if m.Encoded {
		s += " (base64)"
	}
	return s
}

// maxDecodeDepth caps how many base64 layers ScanWorkflow peels off one blob.
const maxDecodeDepth = 3

// ScanWorkflow reads a GitHub Actions workflow file line by line (steps, run scripts,
// container and service images, action references: every line that is not a YAML or shell
// comment) and returns the miner indicators it finds, ordered by line and kind, at most one
// per line and kind. Base64 blobs on a line (as in `echo ... | base64 -d | sh`) are decoded
// and their text scanned too, up to three layers deep. The workflow need not be valid YAML.
func ScanWorkflow(src []byte) []Match {
	var ms []Match
	line := 0
	for len(src) > 0 {
		line++
		var text []byte
		text, src, _ = bytes.Cut(src, []byte{'\n'})
		trimmed := bytes.TrimSpace(text)
		if len(trimmed) == 0 || trimmed[0] == '#' {
			continue
		}
		ms = scanText(ms, line, string(trimmed), false, 0)
	}
	return dedupe(ms)
}

// scanText appends the indicators in text, attributed to line, then scans any base64 blob in
// it one layer deeper.
func scanText(ms []Match, line int, text string, encoded bool, depth int) []Match {
	lower := strings.ToLower(text)
	for _, in := range indicators {
		if !strings.Contains(lower, in.needle) {
			continue
		}
		if m := in.re.FindStringSubmatch(lower); m != nil {
			ms = append(ms, Match{Line: line, Kind: in.kind, Text: m[1], Encoded: encoded})
		}
	}
	if m := moneroAddress.FindStringSubmatch(text); m != nil {
		ms = append(ms, Match{Line: line, Kind: "wallet", Text: m[1], Encoded: encoded})
	}
	if depth >= maxDecodeDepth {
		return ms
	}
	for _, blob := range base64Blobs(text) {
		for _, part := range strings.Split(blob, "\n") {
			ms = scanText(ms, line, part, true, depth+1)
		}
	}
	return ms
}

// dedupe sorts ms by line and kind and keeps the first match of each pair, preferring a
// plain match over a decoded one.
func dedupe(ms []Match) []Match {
	slices.SortStableFunc(ms, func(a, b Match) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		switch {
		case a.Encoded == b.Encoded:
			return 0
		case b.Encoded:
			return -1
		}
		return 1
	})
	return slices.CompactFunc(ms, func(a, b Match) bool { return a.Line == b.Line && a.Kind == b.Kind })
}

// Kinds returns the distinct kinds of ms, sorted, joined by commas: the value of
// github.workflow.miners.type.
func Kinds(ms []Match) string {
	kinds := make([]string, 0, len(ms))
	for _, m := range ms {
		kinds = append(kinds, m.Kind)
	}
	slices.Sort(kinds)
	return strings.Join(slices.Compact(kinds), ",")
}

// Lines returns the distinct line numbers of ms, ascending, joined by commas: the value of
// github.workflow.miners.lines.
func Lines(ms []Match) string {
	lines := make([]int, 0, len(ms))
	for _, m := range ms {
		lines = append(lines, m.Line)
	}
	slices.Sort(lines)
	lines = slices.Compact(lines)
	var b strings.Builder
	for i, l := range lines {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(l))
	}
	return b.String()
}
