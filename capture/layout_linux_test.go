//go:build linux && amd64

package capture

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
	"unsafe"

	"github.com/cilium/ebpf/btf"
)

var update = flag.Bool("update", false, "rewrite bpf/layout.golden from the compiled object")

// layoutStructs are the record structs user space decodes; replay mirrors them.
var layoutStructs = []string{"sensor_hdr", "sensor_syscall", "sensor_blob", "sensor_tuple",
	"sensor_exec", "sensor_fork", "sensor_exit"}

// btfLayout describes the structs as the compiled object's BTF lays them out: one line per
// struct (name, size) and one per member (name, offset, size).
func btfLayout(t *testing.T) string {
	spec, err := loadSensor()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, name := range layoutStructs {
		var st *btf.Struct
		if err := spec.Types.TypeByName(name, &st); err != nil {
			t.Fatalf("struct %s: %v", name, err)
		}
		fmt.Fprintf(&b, "%s %d\n", name, st.Size)
		for _, m := range st.Members {
			sz, err := btf.Sizeof(m.Type)
			if err != nil {
				t.Fatalf("%s.%s: %v", name, m.Name, err)
			}
			fmt.Fprintf(&b, "\t%s %d %d\n", m.Name, m.Offset.Bytes(), sz)
		}
	}
	return b.String()
}

// TestLayoutBTF checks bpf/layout.golden, which replay's TestSensorLayoutMirror compares its
// Go mirrors with, against the BTF of the committed object. Run with -update after changing
// sensor.h (and bump SENSOR_LAYOUT_VERSION).
func TestLayoutBTF(t *testing.T) {
	got := btfLayout(t)
	if *update {
		if err := os.WriteFile("bpf/layout.golden", []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile("bpf/layout.golden")
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("bpf/layout.golden differs from the object's BTF; rerun with -update, bump the layout version and update replay's mirrors:\n%s", got)
	}
}

// TestGeneratedMirrors checks the bpf2go-generated Go types against the BTF too.
func TestGeneratedMirrors(t *testing.T) {
	for _, c := range []struct {
		name string
		size uintptr
	}{
		{"sensor_hdr", sizeofHdr}, {"sensor_syscall", sizeofSyscall}, {"sensor_exec", sizeofExec},
		{"sensor_fork", sizeofFork}, {"sensor_exit", sizeofExit}, {"sensor_tuple", sizeofTuple},
		{"sensor_blob", sizeofBlob}, {"sensor_conf", sizeofConf},
	} {
		spec, _ := loadSensor()
		var st *btf.Struct
		if err := spec.Types.TypeByName(c.name, &st); err != nil {
			t.Fatal(err)
		}
		if uintptr(st.Size) != c.size {
			t.Errorf("%s: BTF size %d, Go size %d", c.name, st.Size, c.size)
		}
	}
}

const (
	sizeofHdr     = unsafe.Sizeof(sensorSensorHdr{})
	sizeofSyscall = unsafe.Sizeof(sensorSensorSyscall{})
	sizeofExec    = unsafe.Sizeof(sensorSensorExec{})
	sizeofFork    = unsafe.Sizeof(sensorSensorFork{})
	sizeofExit    = unsafe.Sizeof(sensorSensorExit{})
	sizeofTuple   = unsafe.Sizeof(sensorSensorTuple{})
	sizeofBlob    = unsafe.Sizeof(sensorSensorBlob{})
	sizeofConf    = unsafe.Sizeof(sensorSensorConf{})
)
