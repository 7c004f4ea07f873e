package scap

import (
	"encoding/binary"
	"fmt"
	"path"
	"strings"

	"saker/event"
)

// Event header sizes: {u64 ts, u64 tid, u32 len, u16 type} in V1 blocks, plus u32 nparams in
// V2 blocks. The header's len counts the header itself.
const (
	scapHdrV1 = 22
	scapHdrV2 = 26
	// scapMaxParams bounds the parameter count of one record (libscap's events have at most 32).
	scapMaxParams = 64
)

// scapEventTS returns the timestamp of the event record in b, and false when b is not an event
// block or too short to hold one.
func scapEventTS(b scapBlock) (uint64, bool) {
	pre := 2
	switch b.typ {
	case scapBlockEV, scapBlockEVInt, scapBlockEVV2, scapBlockEVV2Large:
	case scapBlockEVF, scapBlockEVFV2, scapBlockEVFV2Large:
		pre += 4
	default:
		return 0, false
	}
	if len(b.body) < pre+scapHdrV1 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b.body[pre:]), true
}

// eventBlock decodes one event block into e. It reports whether e holds an event to yield;
// records saker skips, enter records waiting for their exit and malformed records report false.
func (s *Source) eventBlock(b scapBlock, e *event.Event) bool {
	body := b.body
	withFlags := b.typ == scapBlockEVF || b.typ == scapBlockEVFV2 || b.typ == scapBlockEVFV2Large
	v2 := b.typ == scapBlockEVV2 || b.typ == scapBlockEVV2Large || b.typ == scapBlockEVFV2 || b.typ == scapBlockEVFV2Large
	pre, hdr := 2, scapHdrV1
	if withFlags {
		pre += 4
	}
	if v2 {
		hdr = scapHdrV2
	}
	if len(body) < pre+hdr {
		s.problem(b.off, fmt.Errorf("event block of %d bytes", len(body)))
		return false
	}
	cpu := binary.LittleEndian.Uint16(body)
	rec := body[pre:]
	ts := binary.LittleEndian.Uint64(rec)
	tid := binary.LittleEndian.Uint64(rec[8:])
	evLen := binary.LittleEndian.Uint32(rec[16:])
	typ := binary.LittleEndian.Uint16(rec[20:])
	s.stats.Records++
	spec := scapSpec(typ)
	if spec == nil || spec.kind == event.KindUnknown {
		s.stats.SkippedByType[typ]++
		return false
	}
	if evLen < uint32(hdr) || evLen > uint32(len(rec)) {
		s.problem(b.off, fmt.Errorf("event %s (type %d): length %d outside the block's %d", spec.name, typ, evLen, len(rec)))
		return false
	}
	area := rec[hdr:evLen]
	lenSize := 2
	if spec.large() {
		lenSize = 4
	}
	var nparams int
	if v2 {
		n := binary.LittleEndian.Uint32(rec[22:])
		if n > scapMaxParams || int(n)*lenSize > len(area) {
			s.problem(b.off, fmt.Errorf("event %s (type %d): %d parameters in %d bytes", spec.name, typ, n, len(area)))
			return false
		}
		nparams = int(n)
	} else {
		var ok bool
		if nparams, ok = scapV1Params(area, len(spec.params), lenSize); !ok {
			s.problem(b.off, fmt.Errorf("event %s (type %d): parameter lengths do not add up to %d bytes", spec.name, typ, len(area)))
			return false
		}
	}
	if !scapParamsFit(area, nparams, lenSize) {
		s.problem(b.off, fmt.Errorf("event %s (type %d): parameter lengths exceed the record", spec.name, typ))
		return false
	}
	if !spec.exit() {
		// An enter record: kept for its exit unless the syscall has no exit record to wait for.
		if scapSpec(typ+1) != nil {
			s.keepEnter(tid, typ, nparams, area)
			return false
		}
	}
	e.Reset()
	e.Kind, e.TS, e.CPU, e.TID = spec.kind, ts, cpu, uint32(tid)
	e.NArgs = uint8(len(spec.kind.Params()))
	e.ClearIDs() // the layouts of older captures lack some ids: unknown, not root
	var ids scapIDs
	if spec.exit() {
		if en := s.enters[tid]; en != nil && en.typ == typ-1 {
			s.decodeParams(e, scapSpec(en.typ), en.raw, en.nparams, &ids)
			en.typ = 0xffff // consumed; the struct and its buffer are reused
			s.stats.Merged++
		} else {
			s.stats.Unpaired++
		}
	}
	s.decodeParams(e, spec, area, nparams, &ids)
	if e.Kind == event.KindContainerinfo && !spreadScapContainer(e) {
		s.problem(b.off, fmt.Errorf("event %s (type %d): container JSON does not parse", spec.name, typ))
		return false
	}
	s.process(e, &ids)
	return true
}

// scapIDs are the caller's ids as process events report them, and what else the decoding of
// one event learnt that its parameters do not hold.
type scapIDs struct {
	tid, pid int64
	has      bool
	fcntlCmd bool // the record carried fcntl's command
}

// keepEnter stores an enter record until its exit arrives, reusing the thread's buffer.
func (s *Source) keepEnter(tid uint64, typ uint16, nparams int, area []byte) {
	en := s.enters[tid]
	if en == nil {
		en = &scapEnter{}
		s.enters[tid] = en
	}
	en.typ, en.nparams = typ, nparams
	en.raw = append(en.raw[:0], area...)
}

// scapV1Params finds the parameter count of a V1 record, whose header lacks it: the count,
// starting from the table's and going down (as libscap does) then up, at which the lengths
// and values exactly fill the record.
func scapV1Params(area []byte, tableN, lenSize int) (int, bool) {
	fits := func(n int) bool {
		if n*lenSize > len(area) {
			return false
		}
		total := n * lenSize
		for i := range n {
			total += scapParamLen(area, i, lenSize)
		}
		return total == len(area)
	}
	for n := min(tableN, scapMaxParams); n >= 0; n-- {
		if fits(n) {
			return n, true
		}
	}
	for n := tableN + 1; n <= scapMaxParams; n++ {
		if fits(n) {
			return n, true
		}
	}
	return 0, false
}

func scapParamLen(area []byte, i, lenSize int) int {
	if lenSize == 4 {
		return int(binary.LittleEndian.Uint32(area[4*i:]))
	}
	return int(binary.LittleEndian.Uint16(area[2*i:]))
}

// scapParamsFit reports whether nparams lengths and their values fit in area.
func scapParamsFit(area []byte, nparams, lenSize int) bool {
	total := nparams * lenSize
	if total > len(area) {
		return false
	}
	for i := range nparams {
		total += scapParamLen(area, i, lenSize)
		if total > len(area) {
			return false
		}
	}
	return true
}

// decodeParams decodes the parameters of one record (already checked by scapParamsFit) into e
// following spec; parameters past those spec lists are ignored, and so are empty ones.
func (s *Source) decodeParams(e *event.Event, spec *scapEventSpec, area []byte, nparams int, ids *scapIDs) {
	lenSize := 2
	if spec.large() {
		lenSize = 4
	}
	vals := area[nparams*lenSize:]
	params := spec.kind.Params()
	for i := range nparams {
		n := scapParamLen(area, i, lenSize)
		v := vals[:n]
		vals = vals[n:]
		if i >= len(spec.params) {
			continue
		}
		p := &spec.params[i]
		if n == 0 {
			// Absent: libs writes empty parameters where it has no value (converted
			// captures, failed reads), and they must not erase what the enter record gave.
			continue
		}
		if p.class == scapSigned && len(p.name) == 3 && (p.name == "tid" || p.name == "pid") && scapIsProcessKind(spec.kind) {
			x, _ := scapInt(v, true)
			if p.name == "tid" {
				ids.tid = x
			} else {
				ids.pid, ids.has = x, true
			}
		}
		if p.to == scapToDrop {
			continue
		}
		switch p.class {
		case scapSigned, scapUnsigned:
			x, _ := scapInt(v, p.class == scapSigned)
			switch p.conv {
			case scapConvOpen:
				x = scapOpenFlags(x)
			case scapConvClone:
				x = scapCloneFlags(x)
			case scapConvFcntl:
				x = scapFcntlCmd(x)
				ids.fcntlCmd = true
			}
			if p.to == scapToRes {
				e.Res = x
			} else {
				e.Args[p.to].Int = x
			}
			continue
		}
		if p.to < 0 {
			continue
		}
		a := &e.Args[p.to]
		switch p.class {
		case scapText:
			a.Bytes = append(a.Bytes[:0], trimScapText(v)...)
		case scapRaw:
			if t := params[p.to].Type; t == event.TypeString || t == event.TypePath {
				for len(v) > 0 && v[len(v)-1] == 0 {
					v = v[:len(v)-1]
				}
			}
			a.Bytes = append(a.Bytes[:0], v...)
		case scapSockaddr:
			a.Bytes = appendScapSockaddr(a.Bytes[:0], v)
		case scapTuple:
			a.Bytes = appendScapTuple(a.Bytes[:0], v, spec.inbound())
		}
	}
}

// deriveScapFilename fills the filename of a successful execve when the record has none: execve
// enter layouts before 18 do not carry it (and a failed execve's exit describes the caller's
// image, not the file it tried). The trusted exe path of newer layouts is the file that ran; else
// argv[0] names the file when it holds a slash (execve(2) takes such a path as it is, relative
// to the working directory, while a bare name was looked up in PATH by the caller, which the
// capture does not tell), and is resolved against cwd. Otherwise filename stays empty, as
// Falco's evt.arg.filename is for those layouts.
func deriveScapFilename(e *event.Event) {
	k := event.KindExecve
	fn := &e.Args[k.ParamIndex("filename")]
	if len(fn.Bytes) > 0 {
		return
	}
	if p := e.Args[k.ParamIndex("exepath")].Bytes; len(p) > 0 {
		fn.Bytes = append(fn.Bytes[:0], p...)
		return
	}
	exe := string(e.Args[k.ParamIndex("exe")].Bytes)
	if !strings.Contains(exe, "/") {
		return
	}
	if !path.IsAbs(exe) {
		cwd := string(e.Args[k.ParamIndex("cwd")].Bytes)
		if !path.IsAbs(cwd) {
			return
		}
		exe = path.Join(cwd, exe)
	}
	fn.Bytes = append(fn.Bytes[:0], path.Clean(exe)...)
}

func scapIsProcessKind(k event.Kind) bool {
	switch k {
	case event.KindExecve, event.KindExecveat, event.KindClone, event.KindClone3, event.KindFork, event.KindVfork:
		return true
	}
	return false
}

// process fills what the process kinds derive from their ids and keeps the thread -> process
// map that gives every event its PID.
func (s *Source) process(e *event.Event, ids *scapIDs) {
	tid := uint64(e.TID)
	switch e.Kind {
	case event.KindClone, event.KindClone3, event.KindFork, event.KindVfork:
		k := e.Kind
		childTID, childPID := k.ParamIndex("child_tid"), k.ParamIndex("child_pid")
		if ids.has {
			s.pids[tid] = uint32(ids.pid)
		}
		switch {
		case e.Res == 0 && ids.has: // in the child
			e.Args[childTID].Int, e.Args[childPID].Int = ids.tid, ids.pid
		case e.Res > 0: // in the parent: the result is the child's thread id
			e.Args[childTID].Int = e.Res
			e.Args[childPID].Int = e.Res
			if i := k.ParamIndex("flags"); i >= 0 && e.Args[i].Int&linuxCloneThread != 0 {
				e.Args[childPID].Int = int64(s.pid(tid))
			}
			s.pids[uint64(e.Res)] = uint32(e.Args[childPID].Int)
		}
	case event.KindExecve, event.KindExecveat:
		if ids.has && e.Res == 0 {
			s.pids[tid] = uint32(ids.pid)
		}
		if e.Kind == event.KindExecve && e.Res == 0 {
			deriveScapFilename(e)
		}
	case event.KindAccept, event.KindAccept4:
		// Falco's evt.arg.fd of accept is the new connection's fd, which is also the result.
		if e.Res >= 0 {
			e.Args[e.Kind.ParamIndex("fd")].Int = e.Res
		}
	}
	e.PID = s.pid(tid)
	s.trackSockets(e, ids)
	if e.Kind == event.KindProcexit {
		delete(s.pids, tid)
		delete(s.enters, tid)
	}
}
