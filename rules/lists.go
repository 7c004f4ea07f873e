package rules

import (
	"errors"
	"strings"
)

// listDelims are the bytes that may surround a list name in a condition.
const (
	listBlanks = " \t\n\r"
	listDelims = listBlanks + "(),="
)

// quoteItem quotes a list or exception item holding a space, unless it is quoted already, as
// Falco does before pasting items into condition text.
func quoteItem(s string) string {
	if strings.Contains(s, " ") && !strings.HasPrefix(s, `"`) && !strings.HasPrefix(s, "'") {
		return `"` + s + `"`
	}
	return s
}

// Limits on what list expansion may produce: hostile rules files can name lists within lists
// so that a few hundred bytes expand to billions of items.
const (
	// maxListItems bounds the items of one list after the lists it names are expanded.
	maxListItems = 100_000
	// maxExpandedBytes bounds a list's items joined, and a condition's text after its lists
	// are expanded.
	maxExpandedBytes = 16 << 20
)

// errExpansionTooBig is returned by expandList when the text would exceed maxExpandedBytes.
var errExpansionTooBig = errors.New("expansion too big")

// expandList replaces every occurrence of list name in t, bounded by delimiters or the ends of
// the text, with the items joined by ", ". The blanks around an occurrence are consumed and the
// replacement is surrounded by single spaces; an empty list also removes one neighbouring comma.
// origin maps each byte of the result to a byte of the input. It works in one pass over t and
// fails with errExpansionTooBig rather than produce more than maxExpandedBytes.
func expandList(t string, origin []int, name string, items []string) (string, []int, bool, error) {
	if name == "" {
		return t, origin, false, nil
	}
	sub := strings.Join(items, ", ")
	if !strings.Contains(t, name) {
		return t, origin, false, nil
	}
	// out is the result so far: t[:from] with the occurrences before from replaced. The
	// delimiter check and the backward consumption of blanks and commas look at out, as they
	// looked at the partly replaced text.
	var out []byte
	var no []int
	used := false
	from := 0
	for {
		k := strings.Index(t[from:], name)
		if k < 0 {
			break
		}
		start := from + k
		end := start + len(name)
		// The byte before the occurrence in the partly replaced text.
		prevOK := true
		if start > from {
			prevOK = strings.ContainsRune(listDelims, rune(t[start-1]))
		} else if len(out) > 0 {
			prevOK = strings.ContainsRune(listDelims, rune(out[len(out)-1]))
		}
		if !prevOK || (end < len(t) && !strings.ContainsRune(listDelims, rune(t[end]))) {
			out = append(out, t[from:start+1]...)
			no = append(no, origin[from:start+1]...)
			from = start + 1
			continue
		}
		at := origin[start]
		out = append(out, t[from:start]...)
		no = append(no, origin[from:start]...)
		for len(out) > 0 && strings.ContainsRune(listBlanks, rune(out[len(out)-1])) {
			out, no = out[:len(out)-1], no[:len(no)-1]
		}
		for end < len(t) && strings.ContainsRune(listBlanks, rune(t[end])) {
			end++
		}
		if sub == "" {
			if len(out) > 0 && out[len(out)-1] == ',' {
				out, no = out[:len(out)-1], no[:len(no)-1]
			} else if end < len(t) && t[end] == ',' {
				end++
			}
		}
		if len(out)+len(sub)+2+len(t)-end > maxExpandedBytes {
			return "", nil, used, errExpansionTooBig
		}
		if len(out) > 0 {
			out = append(out, ' ')
			no = append(no, at)
		}
		out = append(out, sub...)
		out = append(out, ' ')
		for range len(sub) + 1 {
			no = append(no, at)
		}
		used = true
		from = end
	}
	if !used {
		return t, origin, false, nil
	}
	out = append(out, t[from:]...)
	no = append(no, origin[from:]...)
	return string(out), no, true, nil
}

// expandLists applies every list of rs to t, in definition order, and returns the expanded
// text with its positions. When the text would grow beyond maxExpandedBytes it returns the
// list whose expansion overflowed.
func (rs *RuleSet) expandLists(t srcText) (srcText, *List) {
	s := t.s
	origin := make([]int, len(s)+1)
	for i := range origin {
		origin[i] = i
	}
	for _, l := range rs.Lists {
		if !strings.Contains(s, l.Name) {
			continue
		}
		var used bool
		var err error
		s, origin, used, err = expandList(s, origin, l.Name, l.expanded)
		if used {
			l.used = true
		}
		if err != nil {
			return srcText{}, l
		}
	}
	var out srcText
	out.add(s, func(off int) Pos {
		if off < 0 || off >= len(origin) {
			return t.pos(len(t.s))
		}
		return t.pos(origin[off])
	})
	return out, nil
}
