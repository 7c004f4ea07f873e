package capfile

import (
	"fmt"
	"math/rand/v2"
	"net/netip"

	"saker/event"
)

// mix generates a realistic synthetic event stream: a few hundred processes that exec, open
// and close files under ordinary paths, connect and send small payloads, with timestamps
// advancing a few microseconds per event. profile picks the weights: "exec", "file", "socket"
// or "mixed".
type mix struct {
	r       *rand.Rand
	ts      uint64
	profile string
	tuple   []byte
}

func newMix(profile string, seed uint64) *mix {
	return &mix{r: rand.New(rand.NewPCG(seed, 1)), ts: 1_000_000_000, profile: profile}
}

var (
	mixPaths = []string{"/etc/ld.so.cache", "/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/locale/locale-archive",
		"/proc/self/status", "/var/log/app/access.log", "/tmp/build-%d/obj-%d.o", "/home/dev/src/main.go",
		"/usr/share/zoneinfo/UTC", "/etc/passwd", "/run/containerd/io.containerd.runtime.v2.task/k8s.io/%x/rootfs"}
	mixExes = []string{"/usr/bin/bash", "/usr/bin/cat", "/usr/local/bin/node", "/usr/bin/python3", "/usr/bin/curl", "/usr/lib/jvm/bin/java"}
)

func (m *mix) next(e *event.Event) {
	m.ts += uint64(500 + m.r.IntN(5000))
	e.Reset()
	e.TS = m.ts
	pid := uint32(1000 + m.r.IntN(300))
	e.PID, e.TID, e.CPU = pid, pid+uint32(m.r.IntN(3)), uint16(m.r.IntN(2))
	w := m.r.IntN(100)
	// Weights per profile: below 25 exec, below 75 file, else socket.
	switch m.profile {
	case "exec":
		w = w / 4 // only execs
	case "file":
		w = 25 + w*50/100 // only opens and closes
	case "socket":
		w = 75 + w/4 // only connects and sends
	case "mixed":
		// what a busy host looks like: 3% execs, 57% file, 40% socket
		switch {
		case w < 3:
			w = 0
		case w < 60:
			w = 25 + (w-3)*50/57
		default:
			w = 75 + (w-60)*25/40
		}
	}
	switch {
	case w < 25:
		exe := mixExes[m.r.IntN(len(mixExes))]
		var args []byte
		args = event.AppendListItem(args, exe[len("/usr/bin/"):])
		for range m.r.IntN(4) {
			args = event.AppendListItem(args, fmt.Sprintf("--opt%d=%d", m.r.IntN(9), m.r.IntN(1000)))
		}
		e.Kind = event.KindExecve
		e.SetArgs(event.Str(exe), event.Str(exe), event.Bytes(args), event.Str("/home/dev"), event.Str("bash"),
			event.Str(exe), event.Bytes([]byte("PATH=/usr/bin\x00HOME=/home/dev\x00")), event.Int(int64(e.TID)),
			event.Int(int64(pid)), event.Int(int64(pid-1)), event.Int(int64(e.TID)), event.Int(int64(pid)),
			event.Int(int64(pid)), event.Int(int64(pid)), event.Int(1), event.Int(1000), event.Int(1000),
			event.Int(1000), event.Int(1000), event.Int(1000), event.Int(34816),
			event.Str("0::/user.slice/user-1000.slice/session-3.scope"), event.Int(0), event.Int(0), event.Int(0),
			event.Int(int64(m.r.IntN(1<<20))), event.Int(1_700_000_000_000_000_000), event.Int(1_700_000_000_000_000_000))
	case w < 75:
		p := mixPaths[m.r.IntN(len(mixPaths))]
		if m.r.IntN(3) == 0 {
			p = fmt.Sprintf(p, m.r.IntN(50), m.r.IntN(5000))
		}
		if m.r.IntN(2) == 0 {
			e.Kind = event.KindClose
			e.SetArgs(event.Int(int64(3 + m.r.IntN(20))))
			return
		}
		e.Kind = event.KindOpenat
		e.Res = int64(3 + m.r.IntN(20))
		e.SetArgs(event.Int(-100), event.Str(p), event.Int(0o2000000), event.Int(0), event.Int(2049), event.Int(int64(m.r.IntN(1<<22))))
	default:
		t := event.Tuple{Family: event.AFInet, Proto: event.ProtoTCP,
			Local:  netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, 5}), uint16(32768+m.r.IntN(20000))),
			Remote: netip.AddrPortFrom(netip.AddrFrom4([4]byte{198, 51, 100, byte(m.r.IntN(8))}), 443)}
		m.tuple = t.AppendBinary(m.tuple[:0])
		if m.r.IntN(4) == 0 {
			e.Kind = event.KindConnect
			e.SetArgs(event.Int(int64(3+m.r.IntN(20))), event.Bytes(nil), event.Bytes(m.tuple))
			return
		}
		e.Kind = event.KindSendto
		payload := []byte(`{"id":1,"jsonrpc":"2.0","method":"keepalived","params":{"id":"` + fmt.Sprint(m.r.IntN(99999)) + `"}}` + "\n")
		e.Res = int64(len(payload))
		e.SetArgs(event.Int(int64(3+m.r.IntN(20))), event.Int(int64(len(payload))), event.Bytes(payload), event.Bytes(m.tuple))
	}
}

func newEvent() *event.Event { return new(event.Event) }
