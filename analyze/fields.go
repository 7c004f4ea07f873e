package analyze

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"saker/event"
	"saker/github"
	"saker/rules"
)

// Rule sources the provider serves.
const (
	SourceSyscall = "syscall" // syscall and meta events (dns.* fields on dns events)
	SourceGithub  = "github"  // GitHub webhook events (package github's fields)
)

// Provider serves rule fields from a State: it implements rules.FieldProvider for the
// syscall and github sources. Extractors it returns read the event last given to
// State.Update.
type Provider struct {
	s *State
}

// NewProvider returns a field provider over s.
func NewProvider(s *State) *Provider { return &Provider{s: s} }

// Sources returns the sources the provider serves.
func (p *Provider) Sources() []string { return []string{SourceSyscall, SourceGithub} }

// fieldFunc builds the extractor of one field for its bracketed argument ("" when none).
type fieldFunc func(s *State, arg string) (rules.Extractor, error)

// fields maps every field name the provider serves to its builder; filled by the fields_*.go
// files' init functions.
var fields = map[string]fieldFunc{}

// FieldNames returns the names of the served fields, sorted, including the evt.arg.* and
// evt.rawarg.* families by their prefix.
func FieldNames() []string {
	names := make([]string, 0, len(fields)+2)
	for n := range fields {
		names = append(names, n)
	}
	names = append(names, "evt.arg.*", "evt.rawarg.*")
	slices.Sort(names)
	return names
}

// Field returns the extractor of a field; see rules.FieldProvider.
func (p *Provider) Field(source, name, arg string) (rules.Extractor, error) {
	switch source {
	case SourceSyscall:
	case SourceGithub:
		return githubField(p.s, name, arg)
	default:
		return rules.Extractor{}, fmt.Errorf("source %q: %w", source, rules.ErrUnknownSource)
	}
	if f, ok := fields[name]; ok {
		return f(p.s, arg)
	}
	if strings.HasPrefix(name, "dns.") && arg == "" {
		return DNSFieldExtractor(name)
	}
	if rest, ok := strings.CutPrefix(name, "evt.arg."); ok && arg == "" {
		return evtArgByName(p.s, rest, false)
	}
	if rest, ok := strings.CutPrefix(name, "evt.rawarg."); ok && arg == "" {
		return evtArgByName(p.s, rest, true)
	}
	return rules.Extractor{}, fmt.Errorf("field %s: %w", name, rules.ErrUnknownField)
}

// Helpers building extractors of each type.

func strField(fn func(e *event.Event) ([]byte, bool)) rules.Extractor {
	return rules.Extractor{Type: rules.FieldString, Str: fn}
}

func intField(t rules.FieldType, fn func(e *event.Event) (int64, bool)) rules.Extractor {
	return rules.Extractor{Type: t, Int: fn}
}

func boolField(fn func(e *event.Event) (bool, bool)) rules.Extractor {
	return rules.Extractor{Type: rules.FieldBool, Int: func(e *event.Event) (int64, bool) {
		v, ok := fn(e)
		if v {
			return 1, ok
		}
		return 0, ok
	}}
}

// noArg wraps builders of fields that take no bracketed argument.
func noArg(x func(s *State) rules.Extractor) fieldFunc {
	return func(s *State, arg string) (rules.Extractor, error) {
		if arg != "" {
			return rules.Extractor{}, fmt.Errorf("argument %q: %w", arg, rules.ErrBadFieldArg)
		}
		return x(s), nil
	}
}

// indexArg parses a non-negative numeric bracketed argument; "" gives -1.
func indexArg(arg string) (int, error) {
	if arg == "" {
		return -1, nil
	}
	n, err := strconv.Atoi(arg)
	if err != nil || n < 0 || n > 1<<16 {
		return 0, fmt.Errorf("argument %q: %w", arg, rules.ErrBadFieldArg)
	}
	return n, nil
}

// githubFields are the syscall-source fields that make sense on github events too.
var githubEvtFields = map[string]bool{"evt.time": true, "evt.rawtime": true, "evt.num": true, "evt.type": true}

func githubField(s *State, name, arg string) (rules.Extractor, error) {
	if githubEvtFields[name] {
		return fields[name](s, arg)
	}
	f, ok := github.LookupField(name)
	if !ok {
		return rules.Extractor{}, fmt.Errorf("field %s: %w", name, rules.ErrUnknownField)
	}
	if arg != "" {
		return rules.Extractor{}, fmt.Errorf("field %s: argument %q: %w", name, arg, rules.ErrBadFieldArg)
	}
	if f.Type == github.FieldUint {
		return intField(rules.FieldUint, f.Int), nil
	}
	return strField(f.Str), nil
}
