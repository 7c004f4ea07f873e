package incident

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

const stepTime = "15:04:05.000"

// WriteStory writes an incident in full: a header, its steps in time order and its
// indicators, one per line. Text from the capture (command lines, paths) is written as it
// is; a caller writing to a terminal escapes it (escape).
func WriteStory(w io.Writer, in *Incident, escape func(string) string) error {
	if escape == nil {
		escape = func(s string) string { return s }
	}
	var b strings.Builder
	writeHeader(&b, in)
	for _, s := range in.Steps {
		fmt.Fprintf(&b, "  %s  %-28s %s\n", s.Time.UTC().Format(stepTime), s.Phase, escape(s.Text))
	}
	for _, x := range in.Indicators {
		fmt.Fprintf(&b, "  indicator %-9s %s (%s to %s)\n", x.Type, escape(x.Value),
			x.First.UTC().Format(stepTime), x.Last.UTC().Format(stepTime))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteSummary writes the short block of one incident the end of `saker analyze` shows:
// the header, its phases with their step counts, and its main indicators.
func WriteSummary(w io.Writer, in *Incident, escape func(string) string) error {
	if escape == nil {
		escape = func(s string) string { return s }
	}
	var b strings.Builder
	writeHeader(&b, in)
	counts := map[Phase]int{}
	for _, s := range in.Steps {
		counts[s.Phase]++
	}
	var phases []string
	for _, p := range in.Phases() {
		phases = append(phases, fmt.Sprintf("%s (%d)", p, counts[p]))
	}
	fmt.Fprintf(&b, "  phases: %s\n", strings.Join(phases, ", "))
	for _, s := range in.Steps {
		if s.Phase == PhaseArrival {
			fmt.Fprintf(&b, "  arrival: %s\n", escape(clip(s.Text, 160)))
		}
	}
	byType := map[string][]string{}
	var types []string
	for _, x := range in.Indicators {
		if byType[x.Type] == nil {
			types = append(types, x.Type)
		}
		byType[x.Type] = append(byType[x.Type], x.Value)
	}
	for _, t := range types {
		vals := byType[t]
		more := ""
		if len(vals) > 4 {
			vals, more = vals[:4], fmt.Sprintf(" and %d more", len(byType[t])-4)
		}
		fmt.Fprintf(&b, "  %s: %s%s\n", t, escape(strings.Join(vals, ", ")), more)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeHeader(b *strings.Builder, in *Incident) {
	findings, rolled := 0, 0
	for _, ru := range in.Rollups {
		findings += ru.Count
		if ru.AttachedTo == 0 {
			rolled++
		}
	}
	fmt.Fprintf(b, "incident %d: %s, %s to %s (%s), %d findings rolled up into %d, %d steps\n",
		in.ID, in.Priority, in.First.UTC().Format(time.RFC3339), in.Last.UTC().Format(time.RFC3339),
		in.Last.Sub(in.First).Round(time.Millisecond), findings, rolled, len(in.Steps))
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "..."
}
