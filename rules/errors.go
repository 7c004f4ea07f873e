package rules

import (
	"fmt"
	"sort"
	"strings"
)

// Pos is a position in a rules file. Line and Col count from 1; a zero Line means the position
// is unknown and only the file is named.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as file:line:col.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Error is one positioned load or compile error. Item names the list, macro or rule the
// error belongs to (`rule "Name"`), empty for file-level errors.
type Error struct {
	Pos  Pos
	Item string
	Msg  string
}

// Error formats the error as `file:line:col: item: msg`.
func (e *Error) Error() string {
	if e.Item == "" {
		return e.Pos.String() + ": " + e.Msg
	}
	return e.Pos.String() + ": " + e.Item + ": " + e.Msg
}

// ErrorList is every error found while loading or compiling, in file order. Load, LoadFS,
// LoadSources and Compile return their errors as an ErrorList.
type ErrorList []*Error

// Error prints one `file:line:col: msg` line per error.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Unwrap returns the individual errors, for errors.As and errors.Is.
func (l ErrorList) Unwrap() []error {
	errs := make([]error, len(l))
	for i, e := range l {
		errs[i] = e
	}
	return errs
}

// err returns l as an error, nil when empty.
func (l ErrorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Warning is a positioned remark that does not stop loading or compiling: unknown keys and
// items, skipped rules, unsatisfied plugin requirements, rules matching every event kind.
type Warning struct {
	Pos  Pos
	Item string
	Msg  string
}

// String formats the warning like an Error.
func (w Warning) String() string {
	return (&Error{Pos: w.Pos, Item: w.Item, Msg: w.Msg}).Error()
}

// sortErrors orders errors by file, in load order, then by position, so that the errors of
// one file read together.
func sortErrors(errs ErrorList, files []string) {
	order := map[string]int{}
	for i, f := range files {
		if _, ok := order[f]; !ok {
			order[f] = i
		}
	}
	sort.SliceStable(errs, func(i, j int) bool {
		a, b := errs[i].Pos, errs[j].Pos
		if a.File != b.File {
			return order[a.File] < order[b.File]
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

func itemName(kind, name string) string {
	return fmt.Sprintf("%s %q", kind, name)
}
