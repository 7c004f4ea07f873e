package incident

import (
	"encoding/csv"
	"encoding/json"
	"io"
	"strconv"
	"time"
)

// IndicatorRow is one indicator of one incident of one capture, as the indicator files list
// them.
type IndicatorRow struct {
	Capture  string    `json:"capture"`
	Incident int       `json:"incident"`
	Type     string    `json:"type"`
	Value    string    `json:"value"`
	First    time.Time `json:"first_seen"`
	Last     time.Time `json:"last_seen"`
}

// Rows returns the indicators of a capture's incidents as rows.
func Rows(capture string, ins []*Incident) []IndicatorRow {
	var out []IndicatorRow
	for _, in := range ins {
		for _, x := range in.Indicators {
			out = append(out, IndicatorRow{Capture: capture, Incident: in.ID, Type: x.Type, Value: x.Value,
				First: x.First.UTC(), Last: x.Last.UTC()})
		}
	}
	return out
}

// WriteIndicatorsJSON writes {"indicators": [...]}, one object per row. encoding/json
// writes invalid UTF-8 of a hostile value as U+FFFD.
func WriteIndicatorsJSON(w io.Writer, rows []IndicatorRow) error {
	if rows == nil {
		rows = []IndicatorRow{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(struct {
		Indicators []IndicatorRow `json:"indicators"`
	}{rows})
}

// WriteIndicatorsCSV writes a header line (capture,incident,type,value,first_seen,last_seen)
// and one line per row, times in RFC 3339 with nanoseconds.
func WriteIndicatorsCSV(w io.Writer, rows []IndicatorRow) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"capture", "incident", "type", "value", "first_seen", "last_seen"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.Capture, strconv.Itoa(r.Incident), r.Type, csvSafe(r.Value),
			r.First.Format(time.RFC3339Nano), r.Last.Format(time.RFC3339Nano)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// csvSafe keeps a spreadsheet from reading a value as a formula: a captured command line or
// path may start with =, +, - or @.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

type rollupJSON struct {
	Capture      string         `json:"capture"`
	ID           uint64         `json:"rollup_id"`
	Rule         string         `json:"rule"`
	Priority     string         `json:"priority"`
	Kind         string         `json:"kind"`
	Subject      string         `json:"subject,omitempty"`
	Count        int            `json:"count"`
	First        string         `json:"first_time"`
	Last         string         `json:"last_time"`
	FirstEvent   uint64         `json:"first_evt_num"`
	LastEvent    uint64         `json:"last_evt_num"`
	PID          uint32         `json:"pid"`
	ProcKey      uint64         `json:"proc_key"`
	ConnID       uint64         `json:"connection_id,omitempty"`
	AttachedTo   uint64         `json:"attached_to,omitempty"`
	Incident     int            `json:"incident,omitempty"`
	Output       string         `json:"output"`
	OutputFields map[string]any `json:"output_fields"`
	Tags         []string       `json:"tags"`
}

const jsonTime = "2006-01-02T15:04:05.000000000Z"

// WriteRollupsJSON writes one JSON object per roll-up and line: the rule, key, count, first
// and last time and event, the first finding's output and fields, the roll-up it is
// attached to and its incident.
func WriteRollupsJSON(w io.Writer, capture string, rus []*Rollup) error {
	enc := json.NewEncoder(w)
	for _, ru := range rus {
		f := ru.Finding
		fields := make(map[string]any, len(f.Fields))
		for _, of := range f.Fields {
			fields[of.Name] = of.Value
		}
		tags := f.Tags
		if tags == nil {
			tags = []string{}
		}
		if err := enc.Encode(rollupJSON{Capture: capture, ID: ru.ID, Rule: ru.Rule, Priority: ru.Priority.String(),
			Kind: ru.Kind.String(), Subject: ru.Subject, Count: ru.Count, First: ru.First.UTC().Format(jsonTime),
			Last: ru.Last.UTC().Format(jsonTime), FirstEvent: ru.FirstEvent, LastEvent: ru.LastEvent, PID: ru.PID,
			ProcKey: ru.ProcKey, ConnID: ru.ConnID, AttachedTo: ru.AttachedTo, Incident: ru.Incident,
			Output: f.Output, OutputFields: fields, Tags: tags}); err != nil {
			return err
		}
	}
	return nil
}
