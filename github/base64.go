package github

import (
	"encoding/base64"
	"regexp"
	"strconv"
	"unicode/utf8"
)

// minBlob is the shortest base64 run worth decoding: 24 characters hold 18 bytes, enough for
// "xmrig -o stratum+tcp" to hide in, and short enough that ordinary identifiers (SHA-1 action
// pins are hex, which decodes to binary and is dropped) rarely qualify.
const minBlob = 24

// blobRE finds runs of standard or URL-safe base64 alphabet, with optional padding.
var blobRE = regexp.MustCompile(`[A-Za-z0-9+/_-]{` + strconv.Itoa(minBlob) + `,}={0,2}`)

// base64Blobs returns the text of every base64 blob in s that decodes to printable UTF-8.
func base64Blobs(s string) []string {
	var out []string
	for _, cand := range blobRE.FindAllString(s, -1) {
		if text, ok := decodeBlob(cand); ok {
			out = append(out, text)
		}
	}
	return out
}

// decodeBlob decodes cand with the standard or URL-safe alphabet, padded or not, and reports
// whether the result looks like text: valid UTF-8 with no control characters but whitespace.
func decodeBlob(cand string) (string, bool) {
	if len(cand) < minBlob {
		return "", false
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		b, err := enc.DecodeString(cand)
		if err != nil {
			continue
		}
		if isText(b) {
			return string(b), true
		}
	}
	// A blob cut out of a longer run may carry a stray character or two; retry shorter so
	// that its length is a multiple of four.
	if n := len(cand) &^ 3; n != len(cand) && n >= minBlob {
		if b, err := base64.StdEncoding.DecodeString(cand[:n]); err == nil && isText(b) {
			return string(b), true
		}
	}
	return "", false
}

// isText reports whether b is valid UTF-8 without control characters other than tab, newline
// and carriage return.
func isText(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' || c == 0x7f {
			return false
		}
	}
	return true
}
