package analyze

import (
	"context"
	"errors"
	"io"
	"testing"

	"saker/event"
)

// flakySource yields its events with an error in between, as a bundle with one damaged
// segment does, or an error twice in a row, as a truncated .scap does.
type flakySource struct {
	steps []error // nil: yield the next event
	evs   []event.Event
	i, j  int
}

func (f *flakySource) Next(e *event.Event) error {
	if f.i >= len(f.steps) {
		return io.EOF
	}
	err := f.steps[f.i]
	f.i++
	if err != nil {
		return err
	}
	*e = f.evs[f.j]
	f.j++
	return nil
}

func TestRunKeepsGoingAfterSourceErrors(t *testing.T) {
	damaged := errors.New("segment 1: corrupt record")
	exec1 := execve(10, 700, "/tmp/xmrig", []string{"xmrig", "-o", "stratum+tcp://198.51.100.7:3333"}, 0, "")
	exec2 := execve(20, 701, "/tmp/xmrig", []string{"xmrig", "-o", "stratum+tcp://198.51.100.7:3333"}, 0, "")
	src := &flakySource{steps: []error{nil, damaged, nil}, evs: []event.Event{exec1, exec2}}
	res, err := Run(context.Background(), src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != 2 || len(res.SourceErrors) != 1 || !errors.Is(res.SourceErrors[0], damaged) {
		t.Fatalf("events %d, source errors %v", res.Events, res.SourceErrors)
	}
	if res.ByRule["Stratum URI in Command Line"] != 2 {
		t.Fatalf("findings %v: the event after the damage was not analyzed", res.ByRule)
	}
	// The same error twice in a row: the input is done for, and it is reported once.
	src = &flakySource{steps: []error{nil, damaged, damaged, nil}, evs: []event.Event{exec1, exec2}}
	res, err = Run(context.Background(), src, Options{})
	if err != nil || res.Events != 1 || len(res.SourceErrors) != 1 {
		t.Fatalf("repeated error: err %v, events %d, source errors %v", err, res.Events, res.SourceErrors)
	}
}
