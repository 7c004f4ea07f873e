//go:build linux && amd64

package capture

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestGeneratedUpToDate rebuilds the BPF object with bpf2go into a temporary directory and
// fails when the committed object or Go bindings differ: sensor.bpf.c or sensor.h changed
// without `make generate`. It needs clang and skips without it.
func TestGeneratedUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("compiles the BPF program")
	}
	if _, err := exec.LookPath("clang"); err != nil {
		t.Skip("needs clang to rebuild the BPF object (apt-get install clang llvm libbpf-dev)")
	}
	tmp := t.TempDir()
	for _, f := range []string{"gen.go", "doc.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, _ := filepath.Abs("bpf")
	if err := os.Symlink(src, filepath.Join(tmp, "bpf")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "generate", ".")
	cmd.Dir = tmp
	// go generate in a directory outside the module needs the module's go.mod for bpf2go.
	if err := os.WriteFile(filepath.Join(tmp, "go.mod"), []byte("module saker/capture\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), "GOFLAGS=-modfile="+modfile(t))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go generate: %v\n%s", err, out)
	}
	for _, f := range []string{"sensor_x86_bpfel.o", "sensor_x86_bpfel.go"} {
		want, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(tmp, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run `make generate` (go generate ./capture) and commit the result", f)
		}
	}
}

func modfile(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimSpace(out))
}
