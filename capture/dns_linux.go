//go:build linux

package capture

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"saker/capfile"
)

// dnsReadTimeout bounds how long a blocked read of an AF_PACKET socket waits, and so how long
// stop waits for the readers: pcapgo's handle blocks in recvmsg, which closing the socket
// from another goroutine does not interrupt.
const dnsReadTimeout = 200 * time.Millisecond

// dnsFlushInterval is how often buffered packets go to the data file as a compressed frame,
// which is about what a capture killed without stop loses.
const dnsFlushInterval = time.Second

// RecordDNS records DNS over UDP and TCP port 53 on every interface of the current network
// namespace that is up, loopback included, into a "dns" pcapng data file of w (zstd framed,
// listed in the manifest on Close). It uses pcapgo's pure-Go AF_PACKET handles with a
// kernel-side classic BPF filter, so it needs CAP_NET_RAW but neither libpcap nor cgo.
// Packets carry wall-clock timestamps; the manifest's clock anchors align them with events.
// Interfaces that appear after the start are not recorded.
//
// Recording runs until stop is called or ctx ends; stop (idempotent) waits for the readers,
// writes each interface's drop counts, and closes the data file. An interface whose reads
// fail (it went down) stops alone; stop returns the faults met, joined.
func RecordDNS(ctx context.Context, w *capfile.Writer) (stop func() error, err error) {
	stopFaults, err := startDNS(ctx, w)
	if err != nil {
		return nil, err
	}
	return func() error {
		var errs []error
		for _, f := range stopFaults() {
			errs = append(errs, errors.New(faultText(f)))
		}
		return errors.Join(errs...)
	}, nil
}

// faultText says what a fault stopped and why.
func faultText(f capfile.Fault) string {
	if f.Part != "" {
		return f.Stream + " on " + f.Part + ": " + f.Reason
	}
	return f.Stream + ": " + f.Reason
}

// startDNS is RecordDNS for `saker capture`: stop returns the faults for the manifest.
func startDNS(ctx context.Context, w *capfile.Writer) (stop func() []capfile.Fault, err error) {
	ifs, err := dnsInterfaces()
	if err != nil {
		return nil, err
	}
	df, err := w.CreateDataFile("dns", ".pcapng")
	if err != nil {
		return nil, fmt.Errorf("dns data file: %w", err)
	}
	stop, err = dnsRecord(ctx, df, ifs)
	if err != nil {
		df.Close()
		return nil, err
	}
	return stop, nil
}

// dnsSink is what the recorder needs of a capfile.DataFile.
type dnsSink interface {
	io.Writer
	Flush() error
	Close() error
}

// dnsIface is one interface to record and how its frames start.
type dnsIface struct {
	name     string
	linkType layers.LinkType
	linkHdr  uint32
	loopback bool
}

// ARPHRD types (include/uapi/linux/if_arp.h) of the interfaces saker records.
const (
	arphrdEther    = 1
	arphrdLoopback = 772
	arphrdNone     = 65534 // tun, wireguard: raw IP
	arphrdTunnel   = 768   // ipip
	arphrdTunnel6  = 769
	arphrdSit      = 776
)

// dnsInterfaces lists the interfaces that are up and whose frames saker can decode.
func dnsInterfaces() ([]dnsIface, error) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("interfaces: %w", err)
	}
	var ifs []dnsIface
	for _, in := range all {
		if in.Flags&net.FlagUp == 0 {
			continue
		}
		b, err := os.ReadFile("/sys/class/net/" + in.Name + "/type")
		if err != nil {
			continue
		}
		typ, _ := strconv.Atoi(strings.TrimSpace(string(b)))
		switch typ {
		case arphrdEther, arphrdLoopback:
			ifs = append(ifs, dnsIface{name: in.Name, linkType: layers.LinkTypeEthernet, linkHdr: 14, loopback: typ == arphrdLoopback})
		case arphrdNone, arphrdTunnel, arphrdTunnel6, arphrdSit:
			ifs = append(ifs, dnsIface{name: in.Name, linkType: layers.LinkTypeRaw})
		}
	}
	return ifs, nil
}

// dnsRecorder copies filtered packets of several handles into one pcapng stream.
type dnsRecorder struct {
	mu      sync.Mutex // guards ng, sink, dirty and faults
	ng      *pcapgo.NgWriter
	sink    dnsSink
	dirty   bool
	faults  []capfile.Fault // at most one per part ("" for the data file)
	handles []*pcapgo.EthernetHandle
	wg      sync.WaitGroup
	cancel  context.CancelFunc
}

// dnsRecord opens a handle per interface and starts a reader for each.
func dnsRecord(ctx context.Context, sink dnsSink, ifs []dnsIface) (func() []capfile.Fault, error) {
	if len(ifs) == 0 {
		return nil, errors.New("no interface to record")
	}
	r := &dnsRecorder{sink: sink}
	for i, in := range ifs {
		h, err := dnsOpen(in)
		if err != nil {
			r.closeHandles()
			return nil, fmt.Errorf("%s: %w", in.name, err)
		}
		r.handles = append(r.handles, h)
		desc := pcapgo.NgInterface{Name: in.name, OS: "linux", LinkType: in.linkType,
			SnapLength: dnsSnapLen, TimestampResolution: 9, Filter: "port 53"}
		if i == 0 {
			r.ng, err = pcapgo.NewNgWriterInterface(sink, desc, pcapgo.NgWriterOptions{
				SectionInfo: pcapgo.NgSectionInfo{OS: "linux", Application: "saker"}})
		} else {
			_, err = r.ng.AddInterface(desc)
		}
		if err != nil {
			r.closeHandles()
			return nil, fmt.Errorf("pcapng: %w", err)
		}
	}
	ctx, r.cancel = context.WithCancel(ctx)
	for i, h := range r.handles {
		vm, err := bpf.NewVM(dnsFilter(ifs[i].linkHdr, false))
		if err != nil {
			r.cancel()
			r.closeHandles()
			return nil, fmt.Errorf("filter: %w", err)
		}
		r.wg.Add(1)
		go r.read(ctx, i, ifs[i].name, h, vm)
	}
	r.wg.Add(1)
	go r.flushLoop(ctx)
	var once sync.Once
	var faults []capfile.Fault
	return func() []capfile.Fault {
		once.Do(func() { faults = r.stop() })
		return faults
	}, nil
}

// dnsOpen opens an AF_PACKET handle on in with the port-53 filter and a read timeout.
func dnsOpen(in dnsIface) (*pcapgo.EthernetHandle, error) {
	h, err := pcapgo.NewEthernetHandle(in.name)
	if err != nil {
		return nil, err
	}
	prog, err := bpf.Assemble(dnsFilter(in.linkHdr, in.loopback))
	if err == nil {
		err = h.SetBPF(prog)
	}
	if err == nil {
		err = h.SetCaptureLength(dnsSnapLen)
	}
	if err == nil {
		var fd int
		if fd, err = dnsHandleFD(h); err == nil {
			tv := unix.NsecToTimeval(int64(dnsReadTimeout))
			err = unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		}
	}
	if err != nil {
		h.Close()
		return nil, err
	}
	return h, nil
}

// dnsHandleFD returns the socket of a pcapgo handle, which pcapgo keeps unexported; reflect
// reads it so that a receive timeout can make its blocking reads return.
// Without the timeout stop could hang, so a pcapgo that no longer has the field is an error.
func dnsHandleFD(h *pcapgo.EthernetHandle) (int, error) {
	f := reflect.ValueOf(h).Elem().FieldByName("fd")
	if !f.IsValid() || f.Kind() != reflect.Int {
		return 0, errors.New("pcapgo.EthernetHandle has no fd field")
	}
	return int(f.Int()), nil
}

// read copies the packets of one handle until ctx ends or a read fails (the interface went
// down or away: a fault of that interface only). The kernel filter already chose them; vm
// runs the same program again for the packets queued before it was attached.
func (r *dnsRecorder) read(ctx context.Context, id int, name string, h *pcapgo.EthernetHandle, vm *bpf.VM) {
	defer r.wg.Done()
	for ctx.Err() == nil {
		data, ci, err := h.ZeroCopyReadPacketData()
		if err != nil {
			// pcapgo flattens errno into text; a timeout or signal is no failure.
			if s := err.Error(); strings.Contains(s, unix.EAGAIN.Error()) || strings.Contains(s, unix.EINTR.Error()) {
				continue
			}
			r.fail(name, fmt.Errorf("read: %w", err))
			return
		}
		if n, err := vm.Run(data); err != nil || n == 0 {
			continue
		}
		ci.InterfaceIndex = id
		ci.AncillaryData = nil
		r.mu.Lock()
		if err := r.ng.WritePacket(ci, data); err != nil {
			r.failLocked("", fmt.Errorf("write: %w", err))
		}
		r.dirty = true
		r.mu.Unlock()
	}
}

func (r *dnsRecorder) fail(part string, err error) {
	r.mu.Lock()
	r.failLocked(part, err)
	r.mu.Unlock()
}

// failLocked records the first fault of part.
func (r *dnsRecorder) failLocked(part string, err error) {
	for _, f := range r.faults {
		if f.Part == part {
			return
		}
	}
	r.faults = append(r.faults, capfile.Fault{Stream: "dns", Part: part, Time: time.Now().UTC(), Reason: err.Error()})
}

// flushLoop hands buffered packets to the data file every dnsFlushInterval.
func (r *dnsRecorder) flushLoop(ctx context.Context) {
	defer r.wg.Done()
	t := time.NewTicker(dnsFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			r.mu.Lock()
			if r.dirty {
				r.dirty = false
				if err := r.flushLocked(); err != nil {
					r.failLocked("", err)
				}
			}
			r.mu.Unlock()
		}
	}
}

func (r *dnsRecorder) flushLocked() error {
	if err := r.ng.Flush(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	if err := r.sink.Flush(); err != nil {
		return fmt.Errorf("flush: %w", err)
	}
	return nil
}

// stop ends the readers, records drop counts, closes the data file and returns the faults.
func (r *dnsRecorder) stop() []capfile.Fault {
	r.cancel()
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	for i, h := range r.handles {
		if st, serr := h.Stats(); serr == nil {
			r.ng.WriteInterfaceStats(i, pcapgo.NgInterfaceStatistics{LastUpdate: now,
				PacketsReceived: uint64(st.Packets), PacketsDropped: uint64(st.Drops)})
		}
	}
	r.closeHandles()
	if err := r.flushLocked(); err != nil {
		r.failLocked("", err)
	}
	if err := r.sink.Close(); err != nil {
		r.failLocked("", fmt.Errorf("close: %w", err))
	}
	return r.faults
}

func (r *dnsRecorder) closeHandles() {
	for _, h := range r.handles {
		h.Close()
	}
	r.handles = nil
}
