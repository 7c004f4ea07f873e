package rules

// globMatch reports whether name matches the shell pattern pat as fnmatch(3) does without
// flags: '*' matches any run of bytes (slashes too), '?' one byte, '[...]' a class with ranges
// and '!' or '^' negation, and '\' quotes the next byte. With fold, ASCII letters match
// regardless of case (pat must then be lower case).
func globMatch(pat, name []byte, fold bool) bool {
	px, nx := 0, 0
	nextPx, nextNx := -1, -1
	for px < len(pat) || nx < len(name) {
		if px < len(pat) {
			c := pat[px]
			switch c {
			case '*':
				nextPx, nextNx = px, nx+1
				px++
				continue
			case '?':
				if nx < len(name) {
					px++
					nx++
					continue
				}
			case '[':
				if nx < len(name) {
					if ok, end := matchClass(pat, px, lowerIf(name[nx], fold)); end > 0 {
						if ok {
							px = end
							nx++
							continue
						}
					} else if name[nx] == '[' {
						px++
						nx++
						continue
					}
				}
			default:
				if c == '\\' && px+1 < len(pat) {
					px++
					c = pat[px]
				}
				if nx < len(name) && lowerIf(name[nx], fold) == c {
					px++
					nx++
					continue
				}
			}
		}
		if nextNx > 0 && nextNx <= len(name) {
			px, nx = nextPx, nextNx
			continue
		}
		return false
	}
	return true
}

// matchClass matches c against the class starting at pat[px] == '['. end is the index after
// the closing ']', or 0 when the class is not terminated (then '[' is literal).
func matchClass(pat []byte, px int, c byte) (ok bool, end int) {
	i := px + 1
	neg := false
	if i < len(pat) && (pat[i] == '!' || pat[i] == '^') {
		neg = true
		i++
	}
	first := true
	for i < len(pat) {
		if pat[i] == ']' && !first {
			return ok != neg, i + 1
		}
		first = false
		lo := pat[i]
		if lo == '\\' && i+1 < len(pat) {
			i++
			lo = pat[i]
		}
		hi := lo
		if i+2 < len(pat) && pat[i+1] == '-' && pat[i+2] != ']' {
			hi = pat[i+2]
			i += 2
		}
		if lo <= c && c <= hi {
			ok = true
		}
		i++
	}
	return false, 0
}

func lowerIf(c byte, fold bool) byte {
	if fold && c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerIf(c, true)
	}
	return string(b)
}

// containsFold reports whether h contains the lower-case needle, ignoring ASCII case.
func containsFold(h, needle []byte) bool {
	n := len(needle)
	if n == 0 {
		return true
	}
outer:
	for i := 0; i+n <= len(h); i++ {
		for j := 0; j < n; j++ {
			if lowerIf(h[i+j], true) != needle[j] {
				continue outer
			}
		}
		return true
	}
	return false
}
