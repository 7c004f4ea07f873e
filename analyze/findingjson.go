package analyze

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"saker/event"
)

// MarshalJSON renders Falco's JSON alert object (hostname, output, output_fields, priority,
// rule, source, tags, time) followed by a "saker" object pointing back into the capture:
// evt_num, pid, tid, proc_key, io_uring and ia32 (true when the event came through an
// io_uring request or a 32-bit system call, absent otherwise), raw_base64 and, when known,
// dns (the answers naming the server).
// JSON strings must be UTF-8, so invalid bytes of a hostile command line or payload appear as
// U+FFFD in output and output_fields; raw_base64 keeps the exact bytes of each such value
// (keyed by field name, "output" for the text line; a list field's value is the list of its
// elements, each base64 or null when valid).
// Consumers of Falco's alerts ignore the extra key; FalcoJSON leaves it out.
func (f *Finding) MarshalJSON() ([]byte, error) {
	b, err := f.FalcoJSON()
	if err != nil {
		return nil, err
	}
	b = b[:len(b)-1]
	b = append(b, `,"saker":{"evt_num":`...)
	b = strconv.AppendUint(b, f.EventNum, 10)
	b = append(b, `,"pid":`...)
	b = strconv.AppendUint(b, uint64(f.PID), 10)
	b = append(b, `,"tid":`...)
	b = strconv.AppendUint(b, uint64(f.TID), 10)
	b = append(b, `,"proc_key":`...)
	b = strconv.AppendUint(b, f.ProcKey, 10)
	if f.Flags&event.FlagIOUring != 0 {
		b = append(b, `,"io_uring":true`...)
	}
	if f.Flags&event.FlagIA32 != 0 {
		b = append(b, `,"ia32":true`...)
	}
	if raw := f.rawJSON(); raw != nil {
		b = append(b, `,"raw_base64":`...)
		d, err := json.Marshal(raw)
		if err != nil {
			return nil, err
		}
		b = append(b, d...)
	}
	if len(f.DNS) > 0 {
		b = append(b, `,"dns":`...)
		d, err := json.Marshal(f.dnsJSON())
		if err != nil {
			return nil, err
		}
		b = append(b, d...)
	}
	return append(b, "}}"...), nil
}

// FalcoJSON renders exactly Falco's JSON alert object.
func (f *Finding) FalcoJSON() ([]byte, error) { return f.Alert.MarshalJSON() }

type dnsJSON struct {
	IP       string `json:"ip"`
	Name     string `json:"name"`
	QName    string `json:"qname,omitempty"`
	Answered string `json:"answered,omitempty"`
	TTL      uint32 `json:"ttl"`
	Resolver string `json:"resolver,omitempty"`
	PID      uint32 `json:"pid,omitempty"`
}

func (f *Finding) dnsJSON() []dnsJSON {
	out := make([]dnsJSON, len(f.DNS))
	for i, d := range f.DNS {
		out[i] = dnsJSON{IP: d.IP.String(), Name: d.Name, QName: d.QName, TTL: d.TTL, PID: d.PID}
		if !d.Answered.IsZero() {
			out[i].Answered = d.Answered.UTC().Format("2006-01-02T15:04:05.000000000Z")
		}
		if d.Resolver.IsValid() {
			out[i].Resolver = d.Resolver.String()
		}
	}
	return out
}

// rawJSON returns the exact bytes of the finding's values that are not valid UTF-8, base64
// encoded by field name; nil when every value is valid.
func (f *Finding) rawJSON() map[string]any {
	var raw map[string]any
	put := func(k string, v any) {
		if raw == nil {
			raw = map[string]any{}
		}
		raw[k] = v
	}
	if t := f.Text(); !utf8.ValidString(t) {
		put("output", []byte(t)) // encoding/json writes []byte as base64
	}
	for _, fl := range f.Fields {
		switch v := fl.Value.(type) {
		case string:
			if !utf8.ValidString(v) {
				put(fl.Name, []byte(v))
			}
		case []string:
			var list []any
			bad := false
			for _, e := range v {
				if utf8.ValidString(e) {
					list = append(list, nil)
				} else {
					list = append(list, []byte(e))
					bad = true
				}
			}
			if bad {
				put(fl.Name, list)
			}
		}
	}
	return raw
}
