// Package capture is saker's Linux sensor: BPF programs (capture/bpf) attached to BTF and raw
// tracepoints feed a ring buffer whose raw records go unchanged into a capfile bundle, beside a
// /proc snapshot taken at start and DNS packets read with gopacket's pcapgo. It is the only
// package that imports cilium/ebpf, and only `saker capture` uses it.
package capture
