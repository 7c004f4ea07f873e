package event

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestIA32TableGenerated fails when ia32_gen.go no longer matches
// internal/ia32gen/syscall_32.txt.
func TestIA32TableGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "gen.go")
	cmd := exec.Command("go", "run", "./internal/ia32gen", "-in", "internal/ia32gen/syscall_32.txt", "-pkg", "event", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ia32gen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("ia32_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("ia32_gen.go is stale: run `go generate ./event`")
	}
}
