package reports

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// DuckDB's VARCHAR must hold valid UTF-8, and NUL bytes make trouble in many clients, while a
// suspect host's strings can hold any bytes. Text columns therefore hold a readable, valid form
// (the string itself when it is valid UTF-8 without NUL, else with each offending byte written
// \xHH), and columns that carry the host's bytes have a companion BLOB column named *_raw holding
// the exact bytes, NULL when the text column already is exact.

// clean reports whether s can be stored as VARCHAR unchanged.
func clean(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// escapeText returns s with each invalid UTF-8 byte and each NUL written as \xHH.
func escapeText(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && n == 1) || r == 0 {
			fmt.Fprintf(&b, `\x%02x`, s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// rawText returns the text form of s and, when it differs from s, s's bytes for the *_raw column.
func rawText(s string) (text, raw any) {
	if clean(s) {
		return s, nil
	}
	return escapeText(s), []byte(s)
}

// textList returns the escaped elements of ss for a VARCHAR[] column.
func textList(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = escapeText(s)
	}
	return out
}

// rawList returns the text form of ss and, when any element differs, all elements' bytes for the
// BLOB[] *_raw column.
func rawList(ss []string) (text, raw any) {
	exact := true
	for _, s := range ss {
		if !clean(s) {
			exact = false
			break
		}
	}
	if exact {
		if ss == nil {
			ss = []string{}
		}
		return ss, nil
	}
	bs := make([]any, len(ss))
	for i, s := range ss {
		bs[i] = []byte(s)
	}
	return textList(ss), bs
}
