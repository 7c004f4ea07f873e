package replay

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"saker/event"
)

// Errors of DecodeSensorRecord, checked with errors.Is.
var (
	// ErrSensorLayout is returned for a layout version this decoder does not know.
	ErrSensorLayout = errors.New("unknown sensor record layout")
	// ErrSensorRecord is returned for a sensor record whose bytes are malformed.
	ErrSensorRecord = errors.New("malformed sensor record")
	// ErrSensorSkip is returned for a well-formed record that yields no event, such as a
	// syscall this decoder has no kind for.
	ErrSensorSkip = errors.New("sensor record has no event")
)

var le = binary.LittleEndian

// DecodeSensorRecord decodes one raw sensor record (the payload of a capfile.RecSensor
// record of the given layout version) into e, which it resets first. Byte arguments alias
// payload or are freshly allocated; e's previous buffers are never written to. It never
// panics and returns ErrSensorLayout, ErrSensorRecord (wrapped with detail) or ErrSensorSkip.
func DecodeSensorRecord(version uint16, payload []byte, e *event.Event) error {
	if version != SensorLayoutV1 {
		return fmt.Errorf("%w: version %d", ErrSensorLayout, version)
	}
	if len(payload) < sizeHdr {
		return fmt.Errorf("%w: %d bytes, header needs %d", ErrSensorRecord, len(payload), sizeHdr)
	}
	if n := le.Uint32(payload[24:]); int64(n) != int64(len(payload)) {
		return fmt.Errorf("%w: length field %d, record has %d bytes", ErrSensorRecord, n, len(payload))
	}
	*e = event.Event{}
	e.TS = le.Uint64(payload)
	e.PID = le.Uint32(payload[8:])
	e.TID = le.Uint32(payload[12:])
	e.CPU = le.Uint16(payload[18:])
	nr := le.Uint32(payload[20:])
	hf := le.Uint32(payload[28:])
	if hf&hdrIOUring != 0 {
		e.Flags |= event.FlagIOUring
	}
	if hf&hdrIA32 != 0 {
		e.Flags |= event.FlagIA32
		nr = nr64(nr)
	}
	switch typ := le.Uint16(payload[16:]); typ {
	case sensorRecSyscall:
		return decodeSyscall(nr, hf, payload, e)
	case sensorRecExec:
		return decodeExec(nr, payload, e)
	case sensorRecFork:
		return decodeFork(nr, payload, e)
	case sensorRecExit:
		if len(payload) != sizeExit {
			return fmt.Errorf("%w: exit record of %d bytes", ErrSensorRecord, len(payload))
		}
		return fill(e, kindProcexit, func(set setter) {
			set("status", event.Int(int64(int32(le.Uint32(payload[32:])))))
		})
	default:
		return fmt.Errorf("%w: record type %d", ErrSensorRecord, typ)
	}
}

// blobs are the variable parts of a record, indexed by tag; nil when absent.
type blobs [numBlobTags][]byte

func parseBlobs(b []byte, bl *blobs) error {
	for len(b) > 0 {
		if len(b) < sizeBlob {
			return fmt.Errorf("%w: %d stray bytes after blobs", ErrSensorRecord, len(b))
		}
		tag, n := b[0], int(le.Uint16(b[2:]))
		b = b[sizeBlob:]
		if n > len(b) {
			return fmt.Errorf("%w: blob %d of %d bytes, %d left", ErrSensorRecord, tag, n, len(b))
		}
		if int(tag) < len(bl) {
			bl[tag] = b[:n:n]
		}
		b = b[n:]
	}
	return nil
}

// setter sets the parameter of e's kind named name.
type setter func(name string, a event.Arg)

// fill sets e's kind and lets f set its parameters by name; NArgs covers every parameter of
// the kind, those f does not set staying empty.
func fill(e *event.Event, k event.Kind, f func(set setter)) error {
	if !k.Valid() {
		return ErrSensorSkip
	}
	e.Kind = k
	e.NArgs = uint8(len(k.Params()))
	f(func(name string, a event.Arg) {
		if i := k.ParamIndex(name); i >= 0 {
			e.Args[i] = a
		}
	})
	return nil
}

func decodeExec(nr uint32, p []byte, e *event.Event) error {
	if len(p) < sizeExec {
		return fmt.Errorf("%w: exec record of %d bytes", ErrSensorRecord, len(p))
	}
	var bl blobs
	if err := parseBlobs(p[sizeExec:], &bl); err != nil {
		return err
	}
	k := kindExecve
	if nr == nrExecveat {
		k = kindExecveat
	}
	u32 := func(off int) event.Arg { return event.Int(int64(le.Uint32(p[off:]))) }
	u64 := func(off int) event.Arg { return event.Int(int64(le.Uint64(p[off:]))) }
	flags := le.Uint32(p[80:])
	exepath := joinPath(bl[blobExepath])
	var exeFlags int64
	if flags&execUpperLayer != 0 {
		exeFlags |= event.ExeUpperLayer
	}
	if flags&execLowerLayer != 0 {
		exeFlags |= event.ExeLowerLayer
	}
	if bytes.HasPrefix(exepath, []byte("/memfd:")) {
		exeFlags |= event.ExeFromMemfd
	}
	if flags&execNoLinks != 0 {
		exepath = append(exepath, " (deleted)"...)
	}
	argv0, args := splitArgv(bl[blobArgs])
	return fill(e, k, func(set setter) {
		set("env", event.Bytes(terminate(bl[blobEnv])))
		set("filename", event.Bytes(bl[blobFilename]))
		set("exe", event.Bytes(argv0))
		set("args", event.Bytes(args))
		set("cwd", event.Bytes(joinPath(bl[blobCwd])))
		set("comm", event.Bytes(cstring(p[136:152])))
		set("exepath", event.Bytes(exepath))
		set("tid", event.Int(int64(e.TID)))
		set("pid", event.Int(int64(e.PID)))
		set("ptid", u32(32))
		set("uid", u32(36))
		set("gid", u32(40))
		set("euid", u32(44))
		set("egid", u32(48))
		set("loginuid", u32(52))
		set("tty", u32(56))
		set("vpid", u32(60))
		set("vtid", u32(64))
		set("pgid", u32(68))
		set("vpgid", u32(72))
		set("sid", u32(76))
		set("cgroups", event.Bytes(joinPath(bl[blobCgroup])))
		set("flags", event.Int(exeFlags))
		set("cap_permitted", u64(88))
		set("cap_effective", u64(96))
		set("exe_ino", u64(104))
		set("exe_ino_ctime", u64(112))
		set("exe_ino_mtime", u64(120))
	})
}

func decodeFork(nr uint32, p []byte, e *event.Event) error {
	if len(p) != sizeFork {
		return fmt.Errorf("%w: fork record of %d bytes", ErrSensorRecord, len(p))
	}
	k := kindClone
	switch nr {
	case nrFork:
		k = kindFork
	case nrVfork:
		k = kindVfork
	case nrClone3:
		k = kindClone3
	}
	childPID, childTID := le.Uint32(p[32:]), le.Uint32(p[36:])
	e.Res = int64(childTID)
	return fill(e, k, func(set setter) {
		set("flags", event.Int(int64(le.Uint64(p[40:]))))
		set("child_tid", event.Int(int64(childTID)))
		set("child_pid", event.Int(int64(childPID)))
		set("comm", event.Bytes(cstring(p[48:64])))
		// The fork record carries no credentials: the child's are its parent's.
		set("uid", event.Int(event.UnsetID))
		set("gid", event.Int(event.UnsetID))
	})
}

// cstring returns b up to its first NUL.
func cstring(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// joinPath turns NUL-terminated components, leaf first, into an absolute path.
func joinPath(comps []byte) []byte {
	if comps == nil {
		return nil
	}
	out := make([]byte, 0, len(comps)+1)
	for end := len(comps); end > 0; {
		if comps[end-1] == 0 {
			end--
		}
		start := bytes.LastIndexByte(comps[:end], 0) + 1
		out = append(out, '/')
		out = append(out, comps[start:end]...)
		end = start
	}
	if len(out) == 0 {
		out = append(out, '/')
	}
	return out
}

// splitArgv splits NUL-separated argv into argv[0] and the rest as a NUL-terminated list.
func splitArgv(b []byte) (argv0, rest []byte) {
	if len(b) == 0 {
		return nil, nil
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		return b, nil
	}
	return b[:i], terminate(b[i+1:])
}

// terminate returns NUL-separated items as a NUL-terminated list: a truncated environment ends
// inside its last item, which is kept, cut, as Falco keeps it.
func terminate(b []byte) []byte {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return b
	}
	return append(append(make([]byte, 0, len(b)+1), b...), 0)
}

// tupleOf decodes a struct sensor_tuple blob; ok is false when it is absent or malformed.
func tupleOf(b []byte) (event.Tuple, bool) {
	if len(b) != sizeTuple {
		return event.Tuple{}, false
	}
	t := event.Tuple{Family: uint8(le.Uint16(b)), Proto: uint8(le.Uint16(b[2:]))}
	lport, rport := le.Uint16(b[4:]), le.Uint16(b[6:])
	switch t.Family {
	case event.AFInet:
		t.Local = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[8:12])), lport)
		t.Remote = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[24:28])), rport)
	case event.AFInet6:
		t.Local = netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), lport)
		t.Remote = netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[24:40])), rport)
	}
	return t, true
}

// sockaddrOf decodes raw struct sockaddr bytes.
func sockaddrOf(b []byte) (event.Sockaddr, bool) {
	if len(b) < 2 {
		return event.Sockaddr{}, false
	}
	s := event.Sockaddr{Family: uint8(le.Uint16(b))}
	switch s.Family {
	case event.AFInet:
		if len(b) < 8 {
			return event.Sockaddr{}, false
		}
		s.Addr = netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:]))
	case event.AFInet6:
		if len(b) < 24 {
			return event.Sockaddr{}, false
		}
		s.Addr = netip.AddrPortFrom(netip.AddrFrom16([16]byte(b[8:24])), binary.BigEndian.Uint16(b[2:]))
	case event.AFUnix:
		path := b[2:]
		if len(path) > 0 && path[0] == 0 { // abstract socket: shown as @name
			s.Path = append([]byte{'@'}, cstring(path[1:])...)
		} else {
			s.Path = cstring(path)
		}
	default:
		return event.Sockaddr{}, false
	}
	return s, true
}
