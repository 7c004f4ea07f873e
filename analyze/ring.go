package analyze

import (
	"fmt"
	"time"

	"saker/capfile"
)

// ringNotes says what a flight recorder's bundle holds: the window of event segments kept
// and, as a warning since evidence is missing, the range its ring deleted before that
// window; and, as a note, who froze the ring and why. Nothing for other bundles.
func ringNotes(m *capfile.Manifest, files []capfile.FileEntry) (warnings, notes []string) {
	r := m.Ring
	if r == nil {
		return nil, nil
	}
	var first, last capfile.FileEntry
	var kept int
	for _, f := range files {
		if f.Kind != "events" {
			continue
		}
		if kept == 0 {
			first = f
		}
		last = f
		kept++
	}
	wall := func(ts uint64) string { return m.Wall(ts).Format(time.RFC3339) }
	if d := r.Dropped; d != nil {
		warnings = append(warnings, fmt.Sprintf("flight recorder ring of %s: %d older segments (%s to %s, %d records, %s to %s) were deleted to keep the ring's bound; "+
			"the analysis covers the %d segments kept (%s to %s, from %s)",
			sizeText(r.MaxBytes), d.Files, d.FirstFile, d.LastFile, d.Records, wall(d.FirstTS), wall(d.LastTS),
			kept, first.Name, last.Name, wall(first.FirstTS)))
	} else {
		notes = append(notes, fmt.Sprintf("flight recorder ring of %s: nothing was deleted; the analysis covers the whole capture", sizeText(r.MaxBytes)))
	}
	if f := r.Frozen; f != nil {
		why := f.Reason
		if f.Rule != "" {
			why = fmt.Sprintf("rule %q (%s): %s", f.Rule, f.Priority, f.Output)
		}
		notes = append(notes, fmt.Sprintf("ring frozen at %s by %s: %s", f.Time.Format(time.RFC3339), f.By, why))
	}
	return warnings, notes
}

func sizeText(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}
