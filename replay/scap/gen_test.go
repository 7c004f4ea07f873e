package scap

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestScapEventsGenerated fails when events_gen.go no longer matches the scap event table
// (internal/scapgen/events.txt) or the event schema it resolves parameters against.
func TestScapEventsGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "events_gen.go")
	cmd := exec.Command("go", "run", "./internal/scapgen", "-in", "internal/scapgen/events.txt", "-names", "internal/scapgen/names.txt", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scapgen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("events_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("events_gen.go is stale: run `go generate ./replay/scap`")
	}
}

// TestScapEventTable checks the table's invariants that the generator cannot: every exit
// event of a mapped kind has its enter event, and both name the same kind.
func TestScapEventTable(t *testing.T) {
	for typ := range scapEvents {
		spec := scapSpec(uint16(typ))
		if spec == nil || !spec.exit() {
			continue
		}
		enter := scapSpec(uint16(typ - 1))
		if enter == nil {
			t.Errorf("exit event %d (%s) has no enter event", typ, spec.name)
			continue
		}
		if enter.kind != spec.kind {
			t.Errorf("events %d and %d: kinds %v and %v", typ-1, typ, enter.kind, spec.kind)
		}
		for _, p := range spec.params {
			if p.to >= 0 && int(p.to) >= len(spec.kind.Params()) {
				t.Errorf("event %d: parameter %s goes to index %d", typ, p.name, p.to)
			}
		}
	}
}
