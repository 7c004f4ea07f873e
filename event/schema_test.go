package event

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestSchemaTables(t *testing.T) {
	if NumKinds < 60 {
		t.Fatalf("NumKinds = %d, the schema lost kinds", NumKinds)
	}
	for _, k := range Kinds() {
		if got, ok := KindByName(k.String()); !ok || got != k {
			t.Errorf("KindByName(%q) = %v, %v", k, got, ok)
		}
		for _, p := range k.Params() {
			if p.Type == TypeFlags || p.Type == TypeEnum {
				if _, ok := FlagTable(p.Table); !ok {
					t.Errorf("%s.%s: no flag table %q", k, p.Name, p.Table)
				}
			}
		}
	}
	// Falco's names, which upstream rules use, must be kinds.
	for _, name := range []string{"execve", "execveat", "open", "openat", "openat2", "connect",
		"accept", "accept4", "listen", "sendmsg", "sendto", "rename", "renameat", "renameat2",
		"rmdir", "unlink", "unlinkat", "recvfrom", "chmod", "fchmod", "fchmodat", "creat",
		"mkdir", "mkdirat", "ptrace", "recvmsg", "bpf", "dup", "dup2", "dup3", "finit_module",
		"init_module", "link", "linkat", "setns", "setuid", "socket", "symlink", "symlinkat",
		"unshare", "userfaultfd"} {
		if _, ok := KindByName(name); !ok {
			t.Errorf("Falco event type %q has no kind", name)
		}
	}
	if KindUnknown.Valid() || Kind(NumKinds).Valid() {
		t.Error("invalid kinds report Valid")
	}
	if KindProcinfo.IsSyscall() || !KindExecve.IsSyscall() {
		t.Error("IsSyscall wrong for procinfo or execve")
	}
	if i := KindChmod.ParamIndex("mode"); i != 1 {
		t.Errorf("chmod mode index = %d, want 1", i)
	}
}

// TestSchemaGenerated fails when schema_gen.go no longer matches schema.txt.
func TestSchemaGenerated(t *testing.T) {
	out := filepath.Join(t.TempDir(), "schema_gen.go")
	cmd := exec.Command("go", "run", "./internal/schemagen", "-in", "schema.txt", "-out", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("schemagen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("schema_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("schema_gen.go is stale: run `go generate ./event`")
	}
}
