package capture

// The sensor's BPF object and its Go bindings are generated from bpf/sensor.bpf.c and
// committed, so that building saker needs no clang; `make generate` rebuilds them, and
// TestGeneratedUpToDate fails when they drift from the C source.
//go:generate go run github.com/cilium/ebpf/cmd/bpf2go -cc clang -target amd64 -tags linux -go-package capture -type sensor_hdr -type sensor_syscall -type sensor_exec -type sensor_fork -type sensor_exit -type sensor_blob -type sensor_tuple -type sensor_conf sensor bpf/sensor.bpf.c -- -I/usr/include/x86_64-linux-gnu -D__TARGET_ARCH_x86 -Wall
