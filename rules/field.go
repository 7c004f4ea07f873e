package rules

import (
	"errors"
	"net/netip"

	"saker/event"
)

// FieldType is the type of the values a field yields.
type FieldType uint8

// Field types.
const (
	FieldString   FieldType = iota + 1 // text, compared byte-wise; Extractor.Str
	FieldBytes                         // raw buffer (evt.buffer); Extractor.Str
	FieldInt                           // signed integer; Extractor.Int
	FieldUint                          // unsigned integer (ports, uids, inode numbers); Extractor.Int
	FieldBool                          // true/false; Extractor.Int (0 or 1)
	FieldIP                            // one IP address; Extractor.IP. A CIDR on the right matches contained IPs
	FieldTime                          // nanoseconds since the Unix epoch; Extractor.Int
	FieldDuration                      // nanoseconds; Extractor.Int
	FieldStrings                       // several strings (proc.aname, fd.sip.name); Extractor.List
)

// Extractor reads one field from the event the analyzer is processing. Exactly the function
// matching Type is set. Each returns ok=false when the event has no value for the field (the
// field is "missing": every comparison on it is false, != included).
//
// Extractors close over the analyzer's state and are called once per event and check, in the
// analyzer's single replay loop, so they must not allocate on the hot path: Str may return a
// slice into state or event buffers, valid until the next event; List appends to buf and
// returns it.
type Extractor struct {
	Type FieldType
	Str  func(e *event.Event) ([]byte, bool)
	Int  func(e *event.Event) (int64, bool)
	IP   func(e *event.Event) (netip.Addr, bool)
	List func(e *event.Event, buf [][]byte) ([][]byte, bool)
}

// FieldProvider binds field names to extractors; analyze implements it for the syscall and
// github sources. Binding happens once per rule at compile time.
type FieldProvider interface {
	// Field returns the extractor for the field name with its bracketed argument (arg is "" when
	// there is none, as in proc.aname) for rules of the given source. It returns an error
	// wrapping ErrUnknownField when no such field exists, ErrBadFieldArg when the argument is
	// wrong for the field, and ErrUnknownSource when the provider serves no such source.
	Field(source, name, arg string) (Extractor, error)
	// Sources lists the rule sources the provider serves ("syscall", "github").
	Sources() []string
}

// Errors a FieldProvider returns, checked with errors.Is.
var (
	ErrUnknownField  = errors.New("unknown field")
	ErrBadFieldArg   = errors.New("bad field argument")
	ErrUnknownSource = errors.New("unknown source")
)
