// Package archtest checks the import graph of docs/ARCHITECTURE.md.
package archtest

import (
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "saker"

// allowed maps a package (top-level directory) to the saker packages it may import.
var allowed = map[string][]string{
	"event":            {},
	"cgroups":          {},
	"deploy":           {},
	"capfile":          {"event"},
	"rules":            {"event"},
	"github":           {"event"},
	"dns":              {"event"},
	"replay":           {"event", "capfile"},
	"replay/scap":      {"event", "capfile"},
	"analyze":          {"event", "rules", "replay", "replay/scap", "dns", "capfile", "github", "cgroups"},
	"capture":          {"event", "capfile", "cgroups"},
	"incident":         {"event", "rules", "analyze"},
	"reports":          {"event", "rules", "analyze", "replay", "dns", "capfile"},
	"internal/cli":     {"*"},
	"internal/lab":     {"*"},
	"internal/ctrtest": {},
	"internal/uring":   {},
	"cmd/saker":        {"internal/cli"},
}

// group returns the architecture package a module import path belongs to.
func group(path string) string {
	rel := strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	for _, two := range []string{"internal/cli", "internal/lab", "internal/ctrtest", "internal/uring", "cmd/saker", "internal/archtest", "replay/scap"} {
		if rel == two || strings.HasPrefix(rel, two+"/") {
			return two
		}
	}
	top, _, _ := strings.Cut(rel, "/")
	return top
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T, env ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps=false", "-json", module+"/...")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportGraph(t *testing.T) {
	for _, p := range listPackages(t) {
		from := group(p.ImportPath)
		if from == "internal/archtest" {
			continue
		}
		ok, known := allowed[from]
		if !known {
			t.Errorf("package %s is not in docs/ARCHITECTURE.md's table", p.ImportPath)
			continue
		}
		for _, imp := range p.Imports {
			if imp != module && !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to := group(imp)
			if to == from || slices.Contains(ok, "*") || slices.Contains(ok, to) {
				continue
			}
			t.Errorf("forbidden import: %s -> %s (%s may import only %v)", p.ImportPath, imp, from, ok)
		}
	}
}

// TestThirdPartyConfinement checks that cgo and BPF libraries stay in their packages.
func TestThirdPartyConfinement(t *testing.T) {
	confined := map[string][]string{
		"github.com/cilium/ebpf":      {"capture"},
		"github.com/duckdb/duckdb-go": {"reports"},
		// Packet decoding is dns's; capture writes the packets it reads as pcapng.
		"github.com/google/gopacket": {"dns", "capture"},
		"github.com/containerd":      {"capture"},
		"google.golang.org/grpc":     {"capture"},
	}
	for _, p := range listPackages(t) {
		from := group(p.ImportPath)
		for _, imp := range p.Imports {
			for lib, homes := range confined {
				if strings.HasPrefix(imp, lib) && !slices.Contains(homes, from) && from != "internal/cli" && from != "cmd/saker" {
					t.Errorf("%s imports %s, which only %v may import", p.ImportPath, imp, homes)
				}
			}
		}
	}
}

// TestPureGo builds the analysis packages without cgo: they must run on any laptop.
func TestPureGo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several packages")
	}
	cmd := exec.Command("go", "build", "./event/...", "./cgroups/...", "./capfile/...", "./dns/...", "./replay/...", "./rules/...", "./analyze/...", "./github/...", "./incident/...")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, out)
	}
	cmd = exec.Command("go", "build", "./dns/...", "./replay/...", "./rules/...", "./analyze/...", "./incident/...")
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=darwin", "GOARCH=arm64")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=darwin go build: %v\n%s", err, out)
	}
}
