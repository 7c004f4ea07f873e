package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"saker/incident"
	"saker/reports"
)

// capturedIncidents are the incidents of one input.
type capturedIncidents struct {
	capture   string
	incidents []*incident.Incident
}

// printIncidents writes the incident summary that ends `saker analyze`: one short block per
// incident, text from the capture escaped.
func printIncidents(w io.Writer, found []capturedIncidents) {
	n := 0
	for _, c := range found {
		n += len(c.incidents)
	}
	if n == 0 {
		fmt.Fprintln(w, "saker: no incident")
		return
	}
	fmt.Fprintf(w, "saker: %d %s\n", n, pluralWord(n, "incident", "incidents"))
	for _, c := range found {
		for _, in := range c.incidents {
			if len(found) > 1 {
				fmt.Fprintf(w, "%s: ", safeText(c.capture))
			}
			_ = incident.WriteSummary(w, in, safeText)
		}
	}
}

func pluralWord(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// writeIndicators writes the indicators of every input's incidents to path: CSV when the name
// ends in .csv, JSON otherwise. The file is written beside its final name and renamed.
func writeIndicators(path string, found []capturedIncidents) error {
	var rows []incident.IndicatorRow
	for _, c := range found {
		rows = append(rows, incident.Rows(c.capture, c.incidents)...)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("--indicators %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if strings.HasSuffix(strings.ToLower(path), ".csv") {
		err = incident.WriteIndicatorsCSV(tmp, rows)
	} else {
		err = incident.WriteIndicatorsJSON(tmp, rows)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("--indicators %s: %w", path, err)
	}
	return nil
}

// incidents adds the capture's roll-ups, incidents, their steps and indicators.
func (d *dbSink) incidents(rus []*incident.Rollup, ins []*incident.Incident) {
	for _, ru := range rus {
		d.keep(d.st.AddRollup(&reports.Rollup{CaptureID: d.capID, ID: ru.ID, Rule: ru.Rule, Priority: ru.Priority.String(),
			Kind: ru.Kind.String(), Subject: ru.Subject, ProcessKey: ru.ProcKey, PID: int64(ru.PID), ConnectionID: ru.ConnID,
			Count: uint64(ru.Count), FirstTime: ru.First, LastTime: ru.Last, FirstEvent: ru.FirstEvent, LastEvent: ru.LastEvent,
			FirstFindingID: d.firstFinding[ru.ID], AttachedTo: ru.AttachedTo, IncidentID: uint64(ru.Incident),
			Output: ru.Finding.Output}))
	}
	for _, in := range ins {
		var sum strings.Builder
		_ = incident.WriteSummary(&sum, in, nil)
		findings, rolled := 0, 0
		for _, ru := range in.Rollups {
			findings += ru.Count
			if ru.AttachedTo == 0 {
				rolled++
			}
		}
		var phases []string
		for _, p := range in.Phases() {
			phases = append(phases, p.String())
		}
		d.keep(d.st.AddIncident(&reports.Incident{CaptureID: d.capID, ID: uint64(in.ID), Priority: in.Priority.String(),
			FirstTime: in.First, LastTime: in.Last, Findings: uint64(findings), Rollups: uint64(rolled), Steps: uint64(len(in.Steps)),
			Phases: phases, EntryKeys: in.Entries, ProcessKeys: in.Processes, Summary: sum.String()}))
		for i, s := range in.Steps {
			d.keep(d.st.AddIncidentStep(&reports.IncidentStep{CaptureID: d.capID, IncidentID: uint64(in.ID), Step: uint64(i + 1),
				Time: s.Time, Phase: s.Phase.String(), Text: s.Text, PID: int64(s.PID), ProcessKey: s.ProcKey,
				ConnectionID: s.ConnID, RollupIDs: s.Rollups}))
		}
		for _, x := range in.Indicators {
			d.keep(d.st.AddIndicator(&reports.Indicator{CaptureID: d.capID, IncidentID: uint64(in.ID), Type: x.Type,
				Value: x.Value, FirstTime: x.First, LastTime: x.Last}))
		}
	}
}
