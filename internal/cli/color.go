package cli

import (
	"io"
	"os"
	"strings"

	"saker/rules"
)

// colorMode decides whether text alerts to w get coloured priorities: "always", "never", or
// "auto" (a terminal, unless the NO_COLOR convention, https://no-color.org, asks for none).
func colorMode(mode string, w io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		return os.Getenv("NO_COLOR") == "" && isTerminal(w), nil
	}
	return false, usageErrorf("--color %q: want auto, always or never", mode)
}

// SGR colours by priority: red for Emergency to Error, yellow for Warning, cyan for Notice,
// none below.
func priorityColor(p rules.Priority) string {
	switch {
	case p <= rules.PriorityError:
		return "\x1b[1;31m"
	case p == rules.PriorityWarning:
		return "\x1b[33m"
	case p == rules.PriorityNotice:
		return "\x1b[36m"
	}
	return ""
}

// colorPriority colours the priority word of an escaped alert line "TIME: Priority output".
// The line was escaped first, so the only escape sequences on it are these.
func colorPriority(line string, p rules.Priority) string {
	c := priorityColor(p)
	word := p.String()
	i := strings.Index(line, ": "+word+" ")
	if c == "" || i < 0 {
		return line
	}
	i += 2
	return line[:i] + c + word + "\x1b[0m" + line[i+len(word):]
}
