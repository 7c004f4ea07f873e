//go:build linux && amd64

package capture

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
)

// The io_uring programs (uring_submit, uring_complete) record the requests a process submits
// through io_uring as the syscalls they stand for. They attach to the io_uring tracepoints,
// which kernels built without io_uring lack; there they are replaced before loading by
// programs that do nothing and are never attached, so that the rest of the sensor loads.

// uringTracepoints are the tracepoints the io_uring programs attach to.
var uringTracepoints = []string{"io_uring_submit_req", "io_uring_complete"}

// stubUring checks that the kernel has the io_uring tracepoints and types the programs need.
// When it has not, it replaces the programs in spec by stubs and returns why io_uring
// requests go unrecorded; otherwise it returns "".
func stubUring(spec *ebpf.CollectionSpec) string {
	reason := ""
	kspec, err := btf.LoadKernelSpec()
	if err != nil {
		reason = fmt.Sprintf("kernel BTF: %v", err)
	} else {
		for _, tp := range uringTracepoints {
			if _, err := kspec.AnyTypeByName("btf_trace_" + tp); err != nil {
				reason = fmt.Sprintf("the kernel has no tracepoint %s (built without io_uring)", tp)
				break
			}
		}
	}
	if reason == "" {
		return ""
	}
	for _, name := range []string{"uring_submit", "uring_complete"} {
		p := spec.Programs[name]
		if p == nil {
			continue
		}
		p.Instructions = asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}
		p.AttachTo = "sched_process_exit"
	}
	return reason
}

// attachUring attaches the io_uring programs and returns why it could not, or "".
func (s *sensor) attachUring() string {
	for _, p := range []*ebpf.Program{s.objs.UringSubmit, s.objs.UringComplete} {
		l, err := link.AttachTracing(link.TracingOptions{Program: p})
		if err != nil {
			return fmt.Sprintf("attach %s: %v", p, err)
		}
		s.links = append(s.links, l)
	}
	return ""
}
