package scap

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"saker/event"
)

// FuzzScapReader feeds arbitrary bytes to the .scap reader: it must return events or errors,
// never panic, hang or allocate beyond what the input holds. The committed seeds
// (testdata/fuzz/FuzzScapReader) are small captures cut from real files; the shared corpus is
// added when it is present.
//
// The whole captures are seeds of plain `go test` runs only: while fuzzing, mutating 20 KB of
// gzip or 250 KB of blocks mostly breaks the compression or wastes time minimizing, so the
// fuzzer works on the small committed seeds.
func FuzzScapReader(f *testing.F) {
	if fl := flag.Lookup("test.fuzz"); fl == nil || fl.Value.String() == "" {
		files, _ := filepath.Glob(filepath.Join(scapCorpusDir, "*.scap"))
		files = append(files, scapDemoCapture)
		for _, path := range files {
			if data, err := os.ReadFile(path); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		src, err := NewSource(bytes.NewReader(data))
		if err != nil {
			return
		}
		defer src.Close()
		var e event.Event
		for i := 0; i < 1_000_000; i++ {
			if err := src.Next(&e); err != nil {
				return
			}
			if !e.Kind.Valid() || int(e.NArgs) > len(e.Kind.Params()) {
				t.Fatalf("event %d: kind %v with %d args", e.Num, e.Kind, e.NArgs)
			}
		}
		t.Fatal("a fuzz input yielded a million events")
	})
}
