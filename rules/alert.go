package rules

import (
	"encoding/json"
	"sort"
	"strconv"
	"time"

	"saker/event"
)

// Alert is one finding in the shape of Falco's alerts.
type Alert struct {
	Time     time.Time
	Rule     string
	Priority Priority
	Source   string
	Hostname string
	// Output is the rule's output text for the event, without time and priority.
	Output string
	Fields []OutputField
	Tags   []string
}

// Alert builds the alert for an event the rule matched, at wall-clock time wall (the
// capture's clock turned into real time by the caller) on host hostname.
func (r *CompiledRule) Alert(e *event.Event, wall time.Time, hostname string) Alert {
	out, fields := r.Format(e)
	return Alert{Time: wall, Rule: r.Name, Priority: r.Priority, Source: r.Source, Hostname: hostname,
		Output: out, Fields: fields, Tags: r.Tags}
}

// textTime is Falco's default alert time format (time_format_iso_8601: false).
const textTime = "15:04:05.000000000"

// Text returns Falco's text alert line, `TIME: Priority output`, with the time of day in
// a.Time's location.
func (a *Alert) Text() string {
	return a.Time.Format(textTime) + ": " + a.Priority.String() + " " + a.Output
}

// MarshalJSON renders Falco's JSON alert object: keys sorted as Falco's JSON library sorts
// them, time in RFC 3339 with nanoseconds in UTC, output as the full text line, missing
// output fields as null.
func (a *Alert) MarshalJSON() ([]byte, error) {
	b := []byte(`{"hostname":`)
	b = appendJSONString(b, a.Hostname)
	b = append(b, `,"output":`...)
	b = appendJSONString(b, a.Text())
	b = append(b, `,"output_fields":{`...)
	fields := append([]OutputField(nil), a.Fields...)
	sort.SliceStable(fields, func(i, j int) bool { return fields[i].Name < fields[j].Name })
	for i, f := range fields {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, f.Name)
		b = append(b, ':')
		v, err := json.Marshal(f.Value)
		if err != nil {
			return nil, err
		}
		b = append(b, v...)
	}
	b = append(b, `},"priority":`...)
	b = appendJSONString(b, a.Priority.String())
	b = append(b, `,"rule":`...)
	b = appendJSONString(b, a.Rule)
	b = append(b, `,"source":`...)
	b = appendJSONString(b, a.Source)
	b = append(b, `,"tags":[`...)
	tags := append([]string(nil), a.Tags...)
	sort.Strings(tags) // Falco keeps tags in a sorted set
	for i, t := range tags {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, t)
	}
	b = append(b, `],"time":`...)
	b = strconv.AppendQuote(b, a.Time.UTC().Format("2006-01-02T15:04:05.000000000Z"))
	return append(b, '}'), nil
}

func appendJSONString(b []byte, s string) []byte {
	v, _ := json.Marshal(s)
	return append(b, v...)
}
