package rules

import (
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

// expandList replaces every occurrence of list name in t, bounded by delimiters or the ends of
// the text, with the items joined by ", ". The blanks around an occurrence are consumed and the
// replacement is surrounded by single spaces; an empty list also removes one neighbouring comma.
// origin maps each byte of the result to a byte of the input.
func expandList(t string, origin []int, name string, items []string) (string, []int, bool) {
	if name == "" {
		return t, origin, false
	}
	sub := strings.Join(items, ", ")
	used := false
	from := 0
	for {
		k := strings.Index(t[from:], name)
		if k < 0 {
			break
		}
		start := from + k
		end := start + len(name)
		if (start > 0 && !strings.ContainsRune(listDelims, rune(t[start-1]))) ||
			(end < len(t) && !strings.ContainsRune(listDelims, rune(t[end]))) {
			from = start + 1
			continue
		}
		at := origin[start]
		for start > 0 && strings.ContainsRune(listBlanks, rune(t[start-1])) {
			start--
		}
		for end < len(t) && strings.ContainsRune(listBlanks, rune(t[end])) {
			end++
		}
		if sub == "" {
			if start > 0 && t[start-1] == ',' {
				start--
			} else if end < len(t) && t[end] == ',' {
				end++
			}
		}
		var b strings.Builder
		no := make([]int, 0, len(origin)+len(sub)+2)
		if start > 0 {
			b.WriteString(t[:start])
			b.WriteByte(' ')
			no = append(no, origin[:start]...)
			no = append(no, at)
		}
		b.WriteString(sub)
		b.WriteByte(' ')
		for range len(sub) + 1 {
			no = append(no, at)
		}
		next := b.Len()
		b.WriteString(t[end:])
		no = append(no, origin[end:]...)
		t, origin = b.String(), no
		used = true
		from = next
	}
	return t, origin, used
}

// expandLists applies every list of rs to t, in definition order, and returns the expanded
// text with its positions.
func (rs *RuleSet) expandLists(t srcText) srcText {
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
		s, origin, used = expandList(s, origin, l.Name, l.expanded)
		if used {
			l.used = true
		}
	}
	var out srcText
	out.add(s, func(off int) Pos {
		if off < 0 || off >= len(origin) {
			return t.pos(len(t.s))
		}
		return t.pos(origin[off])
	})
	return out
}
