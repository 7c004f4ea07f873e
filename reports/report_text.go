package reports

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Every string of a capture is attacker-controlled. The report shows it through shown, which
// cuts it to a byte limit (saying how many bytes were left out) and splits it into plain runs and
// escapes: invalid UTF-8 and NUL bytes, control characters (ANSI escapes included) and invisible
// format characters (bidirectional overrides, zero-width spaces) are written \xHH or \uHHHH and
// marked, so that a responder sees exactly what is there and nothing can disguise itself.
// html/template then escapes the runs for HTML.

// shown is a capture value ready for the page.
type shown struct {
	Parts []shownPart
	// More is the number of bytes of the value not shown.
	More int
}

// shownPart is a run of plain text, or one escape when Esc is set.
type shownPart struct {
	S   string
	Esc bool
}

// String returns the shown text with escapes inline, for tests and search.
func (s shown) String() string {
	var b strings.Builder
	for _, p := range s.Parts {
		b.WriteString(p.S)
	}
	if s.More > 0 {
		fmt.Fprintf(&b, "… (%d bytes more)", s.More)
	}
	return b.String()
}

// Empty reports whether nothing would be shown.
func (s shown) Empty() bool { return len(s.Parts) == 0 && s.More == 0 }

// show prepares s for the page, showing at most limit bytes of it (no limit when limit <= 0).
func show(s string, limit int) shown { return showPrefix(s, len(s), limit) }

// showPrefix prepares a value of total bytes of which prefix holds the first ones (a database
// may hand over only a prefix of a long value), showing at most limit bytes.
func showPrefix(prefix string, total, limit int) shown { return showText(prefix, total, limit, false) }

// showLines is show for multi-line text the page lays out itself (rule conditions, the
// manifest): newlines stay newlines.
func showLines(s string, limit int) shown { return showText(s, len(s), limit, true) }

func showText(prefix string, total, limit int, lines bool) shown {
	var out shown
	if limit <= 0 || limit > len(prefix) {
		limit = len(prefix)
	}
	var plain strings.Builder
	flush := func() {
		if plain.Len() > 0 {
			out.Parts = append(out.Parts, shownPart{S: plain.String()})
			plain.Reset()
		}
	}
	i := 0
	for i < limit {
		r, n := utf8.DecodeRuneInString(prefix[i:])
		if i+n > limit && n > 1 {
			break // do not cut a character in two
		}
		if esc := escapeRune(r, n, prefix[i]); esc != "" && !(lines && r == '\n') {
			flush()
			out.Parts = append(out.Parts, shownPart{S: esc, Esc: true})
		} else {
			plain.WriteString(prefix[i : i+n])
		}
		i += n
	}
	flush()
	out.More = max(total-i, 0)
	return out
}

// escapeRune returns the escape for a character that must not be shown as itself, "" for the
// others. b is the first byte, for invalid UTF-8.
func escapeRune(r rune, n int, b byte) string {
	switch {
	case r == utf8.RuneError && n == 1:
		return fmt.Sprintf(`\x%02x`, b)
	case r == '\n':
		return `\n`
	case r == '\t':
		return `\t`
	case r == '\r':
		return `\r`
	case r < 0x20 || r == 0x7f:
		return fmt.Sprintf(`\x%02x`, r)
	case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029:
		return fmt.Sprintf(`\u%04x`, r)
	}
	return ""
}
