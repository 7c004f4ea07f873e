package rules

import (
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// srcText is condition text assembled from pieces of rules files (a condition, its appends,
// rendered exceptions) that remembers where each byte came from, so that parse and compile
// errors point into the file.
type srcText struct {
	s    string
	segs []srcSeg
}

type srcSeg struct {
	off int
	at  func(off int) Pos // position of byte off of this segment
}

func (t *srcText) add(s string, at func(int) Pos) {
	t.segs = append(t.segs, srcSeg{off: len(t.s), at: at})
	t.s += s
}

func (t *srcText) addText(u srcText) {
	for _, sg := range u.segs {
		t.segs = append(t.segs, srcSeg{off: len(t.s) + sg.off, at: sg.at})
	}
	t.s += u.s
}

func (t *srcText) pos(off int) Pos {
	i := sort.Search(len(t.segs), func(i int) bool { return t.segs[i].off > off }) - 1
	if i < 0 {
		if len(t.segs) == 0 {
			return Pos{}
		}
		i = 0
	}
	return t.segs[i].at(off - t.segs[i].off)
}

func fixedPos(p Pos) func(int) Pos { return func(int) Pos { return p } }

// scalarPositions maps byte offsets of a scalar node's value back to its place in src by
// walking value and source side by side: folded line breaks and indentation are skipped, and
// where escapes make them differ the walk resynchronises on the next equal byte.
func scalarPositions(file string, src []byte, lines []int, n *yaml.Node) func(int) Pos {
	start := Pos{File: file, Line: n.Line, Col: n.Column}
	if n.Line < 1 || n.Line > len(lines) {
		return fixedPos(start)
	}
	j := lines[n.Line-1] + n.Column - 1
	switch n.Style {
	case yaml.LiteralStyle, yaml.FoldedStyle:
		for j < len(src) && src[j] != '\n' {
			j++
		}
		for j < len(src) && (src[j] == '\n' || src[j] == ' ' || src[j] == '\t') {
			j++
		}
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		j++
	}
	v := n.Value
	if n.Style == yaml.DoubleQuotedStyle || n.Style == yaml.SingleQuotedStyle {
		if offs, ok := quotedOffsets(src, j, n.Style == yaml.DoubleQuotedStyle, v); ok {
			return offsetPositions(file, lines, start, offs)
		}
	}
	offs := make([]int, len(v)+1)
	k := 0
	for k < len(v) && j < len(src) {
		switch {
		case v[k] == src[j]:
			offs[k] = j
			k++
			j++
			if v[k-1] == '\n' {
				for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
					j++
				}
			}
		case isSpace(v[k]) && isSpace(src[j]):
			offs[k] = j
			k++
			for j < len(src) && isSpace(src[j]) {
				j++
			}
		default:
			// An escape in the source: move the source on, keep the value byte.
			offs[k] = j
			j++
			if j < len(src) && src[j] == v[k] {
				continue
			}
			k++
		}
	}
	for ; k <= len(v); k++ {
		offs[k] = j
	}
	return offsetPositions(file, lines, start, offs)
}

// offsetPositions turns the source offset of each value byte (and one past the end) into
// positions.
func offsetPositions(file string, lines []int, start Pos, offs []int) func(int) Pos {
	return func(off int) Pos {
		if off < 0 || off >= len(offs) {
			return start
		}
		b := offs[off]
		l := sort.Search(len(lines), func(i int) bool { return lines[i] > b }) - 1
		if l < 0 {
			return start
		}
		return Pos{File: file, Line: l + 1, Col: b - lines[l] + 1}
	}
}

// yamlEscapes maps the one-letter escapes of YAML double-quoted scalars to their text.
var yamlEscapes = map[byte]string{
	'0': "\x00", 'a': "\a", 'b': "\b", 't': "\t", '\t': "\t", 'n': "\n", 'v': "\v", 'f': "\f",
	'r': "\r", 'e': "\x1b", ' ': " ", '"': "\"", '/': "/", '\\': "\\", 'N': "\u0085",
	'_': "\u00a0", 'L': "\u2028", 'P': "\u2029",
}

// quotedOffsets decodes the quoted scalar whose text starts at src[j] (after the quote) as
// YAML does (escapes in double quotes, ” in single quotes, line folding) and returns the
// source offset of each value byte: a byte written as an escape maps to its backslash. ok is
// false unless the decoded text is want, the value the YAML parser produced.
func quotedOffsets(src []byte, j int, double bool, want string) (offs []int, ok bool) {
	var val []byte
	emit := func(s string, at int) {
		val = append(val, s...)
		for range len(s) {
			offs = append(offs, at)
		}
	}
	isBreak := func(c byte) bool { return c == '\n' || c == '\r' }
	isBlank := func(c byte) bool { return c == ' ' || c == '\t' }
	skipBreak := func(j int) int {
		if src[j] == '\r' && j+1 < len(src) && src[j+1] == '\n' {
			return j + 2
		}
		return j + 1
	}
	for j < len(src) {
		c := src[j]
		switch {
		case !double && c == '\'':
			if j+1 < len(src) && src[j+1] == '\'' {
				emit("'", j)
				j += 2
				continue
			}
			offs = append(offs, j)
			return offs, string(val) == want
		case double && c == '"':
			offs = append(offs, j)
			return offs, string(val) == want
		case double && c == '\\':
			if j+1 >= len(src) {
				return nil, false
			}
			e := src[j+1]
			if isBreak(e) {
				// An escaped line break joins the lines without a space.
				j = skipBreak(j + 1)
				for j < len(src) && isBlank(src[j]) {
					j++
				}
				continue
			}
			if t, ok := yamlEscapes[e]; ok {
				emit(t, j)
				j += 2
				continue
			}
			width := map[byte]int{'x': 2, 'u': 4, 'U': 8}[e]
			if width == 0 || j+2+width > len(src) {
				return nil, false
			}
			r, err := strconv.ParseUint(string(src[j+2:j+2+width]), 16, 32)
			if err != nil {
				return nil, false
			}
			emit(string(rune(r)), j)
			j += 2 + width
		case isBlank(c) || isBreak(c):
			k := j
			for k < len(src) && isBlank(src[k]) {
				k++
			}
			if k < len(src) && !isBreak(src[k]) {
				for ; j < k; j++ {
					emit(string(src[j]), j)
				}
				continue
			}
			// Blanks before a line break are dropped; one break folds to a space, each
			// further (empty) line gives a newline; the next line's indentation is dropped.
			at, breaks := k, 0
			for k < len(src) && isBreak(src[k]) {
				breaks++
				k = skipBreak(k)
				for k < len(src) && isBlank(src[k]) {
					k++
				}
			}
			if breaks == 1 {
				emit(" ", at)
			} else {
				emit(strings.Repeat("\n", breaks-1), at)
			}
			j = k
		default:
			emit(string(c), j)
			j++
		}
	}
	return nil, false
}

// lineStarts returns the byte offset of the start of every line of src.
func lineStarts(src []byte) []int {
	ls := []int{0}
	for i, c := range src {
		if c == '\n' {
			ls = append(ls, i+1)
		}
	}
	return ls
}
