package rules

import (
	"sort"

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
	return func(off int) Pos {
		if off < 0 || off > len(v) {
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
