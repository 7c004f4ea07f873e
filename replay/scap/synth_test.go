package scap

import (
	"bytes"
	"encoding/binary"
	"io"
	"testing"

	"saker/event"
)

// Synthetic captures for the layouts the real corpus lacks: event blocks with flags, large
// payloads (32-bit parameter lengths), V1 records whose parameter count must be inferred, and
// entries carrying trailing fields newer than saker.

type scapBuilder struct{ b []byte }

func newScapBuilder() *scapBuilder {
	shb := make([]byte, 16)
	binary.LittleEndian.PutUint32(shb, scapSHBMagic)
	binary.LittleEndian.PutUint16(shb[4:], 1)
	binary.LittleEndian.PutUint16(shb[6:], 2)
	binary.LittleEndian.PutUint64(shb[8:], ^uint64(0))
	return &scapBuilder{b: scapTestBlock(scapBlockSHB, shb)}
}

func (s *scapBuilder) block(typ uint32, body []byte) *scapBuilder {
	s.b = append(s.b, scapTestBlock(typ, body)...)
	return s
}

// record builds an event record: header (with nparams unless v1), lengths, values.
func scapRecord(typ uint16, ts, tid uint64, v1, large bool, params ...[]byte) []byte {
	hdr := scapHdrV2
	if v1 {
		hdr = scapHdrV1
	}
	lenSize := 2
	if large {
		lenSize = 4
	}
	var vals []byte
	lens := make([]byte, 0, len(params)*lenSize)
	for _, p := range params {
		if large {
			lens = binary.LittleEndian.AppendUint32(lens, uint32(len(p)))
		} else {
			lens = binary.LittleEndian.AppendUint16(lens, uint16(len(p)))
		}
		vals = append(vals, p...)
	}
	rec := make([]byte, hdr, hdr+len(lens)+len(vals))
	binary.LittleEndian.PutUint64(rec, ts)
	binary.LittleEndian.PutUint64(rec[8:], tid)
	binary.LittleEndian.PutUint32(rec[16:], uint32(hdr+len(lens)+len(vals)))
	binary.LittleEndian.PutUint16(rec[20:], typ)
	if !v1 {
		binary.LittleEndian.PutUint32(rec[22:], uint32(len(params)))
	}
	return append(append(rec, lens...), vals...)
}

func scapEventBody(cpu uint16, flags *uint32, rec []byte) []byte {
	b := binary.LittleEndian.AppendUint16(nil, cpu)
	if flags != nil {
		b = binary.LittleEndian.AppendUint32(b, *flags)
	}
	return append(b, rec...)
}

func scapI64(v int64) []byte   { return binary.LittleEndian.AppendUint64(nil, uint64(v)) }
func scapU32(v uint32) []byte  { return binary.LittleEndian.AppendUint32(nil, v) }
func scapCStr(s string) []byte { return append([]byte(s), 0) }

func scapReadAll(t *testing.T, in []byte) ([]*event.Event, *Source) {
	t.Helper()
	src, err := NewSource(bytes.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var evs []*event.Event
	var e event.Event
	for {
		err := src.Next(&e)
		if err == io.EOF {
			return evs, src
		}
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e.Clone())
	}
}

func TestScapSynthetic(t *testing.T) {
	flags := uint32(7)
	// openat exit (307) in an EVF V2 block: fd, dirfd, name, flags (PPM_O_RDWR|PPM_O_CREAT),
	// mode, dev, ino, and one parameter newer than saker's table.
	openat := scapRecord(307, 1_700_000_000_000_000_001, 100, false, false,
		scapI64(5), scapI64(-100), scapCStr("/tmp/x"), scapU32(1|2|4), scapU32(0o644), scapU32(0), scapI64(99), []byte{1})
	// A V1 close enter/exit pair (4, 5): the count of parameters comes from the lengths.
	closeE := scapRecord(4, 1_700_000_000_000_000_002, 100, true, false, scapI64(5))
	closeX := scapRecord(5, 1_700_000_000_000_000_003, 100, true, false, scapI64(0))
	// A container JSON event (324) in a large-payload block: 32-bit parameter lengths.
	js := `{"container":{"id":"abc123","name":"web","image":"nginx","type":0,"privileged":true,"labels":{"b":"2","a":"1"}}}`
	container := scapRecord(324, 0, 0, false, true, scapCStr(js))
	// A connect exit (23) with an IPv4 tuple 10.0.0.1:40000 -> 1.2.3.4:443.
	tuple := []byte{event.AFInet, 10, 0, 0, 1, 0x40, 0x9c, 1, 2, 3, 4, 0xbb, 0x01}
	connect := scapRecord(23, 1_700_000_000_000_000_004, 100, false, false, scapI64(0), tuple, scapI64(3))

	in := newScapBuilder().
		block(scapBlockEVFV2, scapEventBody(1, &flags, openat)).
		block(scapBlockEV, scapEventBody(0, nil, closeE)).
		block(scapBlockEV, scapEventBody(0, nil, closeX)).
		block(scapBlockEVV2Large, scapEventBody(0, nil, container)).
		block(scapBlockEVV2, scapEventBody(2, nil, connect)).b
	evs, src := scapReadAll(t, in)
	if len(evs) != 4 {
		t.Fatalf("got %d events, want 4: %v", len(evs), src.Stats())
	}
	op := evs[0]
	name, _ := op.Arg("name")
	fl, _ := op.Arg("flags")
	ino, _ := op.Arg("ino")
	if op.Kind != event.KindOpenat || op.Res != 5 || string(name.Bytes) != "/tmp/x" || fl.Int != 2|0o100 || ino.Int != 99 || op.CPU != 1 {
		t.Errorf("openat: %+v name %q flags %#o ino %d", op, name.Bytes, fl.Int, ino.Int)
	}
	cl := evs[1]
	fd, _ := cl.Arg("fd")
	if cl.Kind != event.KindClose || fd.Int != 5 || cl.TS != 1_700_000_000_000_000_003 {
		t.Errorf("close: kind %v fd %d ts %d", cl.Kind, fd.Int, cl.TS)
	}
	ct := evs[2]
	id, _ := ct.Arg("id")
	labels, _ := ct.Arg("labels")
	priv, _ := ct.Arg("privileged")
	if ct.Kind != event.KindContainerinfo || string(id.Bytes) != "abc123" || string(labels.Bytes) != "a=1\x00b=2\x00" || priv.Int != 1 {
		t.Errorf("container: id %q labels %q privileged %d", id.Bytes, labels.Bytes, priv.Int)
	}
	cn := evs[3]
	tu, _ := cn.Arg("tuple")
	got, err := event.ParseTuple(tu.Bytes)
	if err != nil || got.Local.String() != "10.0.0.1:40000" || got.Remote.String() != "1.2.3.4:443" {
		t.Errorf("connect tuple %+v %v", got, err)
	}
	if st := src.Stats(); st.Merged != 1 || st.Corrupt != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestScapAcceptTupleSwapped checks that inbound tuples (accept: client->server in scap) come
// out with Local as the accepting process's end.
func TestScapAcceptTupleSwapped(t *testing.T) {
	tuple := []byte{event.AFInet, 1, 2, 3, 4, 0x10, 0x27, 10, 0, 0, 1, 0x50, 0x00} // 1.2.3.4:10000 -> 10.0.0.1:80
	rec := scapRecord(247, 1_700_000_000_000_000_000, 7, false, false, scapI64(9), tuple, []byte{0}, scapU32(0), scapU32(0))
	evs, _ := scapReadAll(t, newScapBuilder().block(scapBlockEVV2, scapEventBody(0, nil, rec)).b)
	if len(evs) != 1 || evs[0].Kind != event.KindAccept || evs[0].Res != 9 {
		t.Fatalf("got %+v", evs)
	}
	tu, _ := evs[0].Arg("tuple")
	got, _ := event.ParseTuple(tu.Bytes)
	if got.Local.String() != "10.0.0.1:80" || got.Remote.String() != "1.2.3.4:10000" {
		t.Errorf("accept tuple local %v remote %v", got.Local, got.Remote)
	}
}

// TestScapEntriesWithNewerFields gives a V9 process entry, a V2 fd entry and a V2 user entry
// trailing bytes saker does not know; they are skipped by the entries' own lengths.
func TestScapEntriesWithNewerFields(t *testing.T) {
	var proc []byte
	proc = binary.LittleEndian.AppendUint64(proc, 42) // tid
	proc = binary.LittleEndian.AppendUint64(proc, 41) // pid
	proc = binary.LittleEndian.AppendUint64(proc, 1)  // ptid
	proc = binary.LittleEndian.AppendUint64(proc, 41) // sid
	proc = binary.LittleEndian.AppendUint64(proc, 41) // vpgid
	str := func(b []byte, s string) []byte {
		b = binary.LittleEndian.AppendUint16(b, uint16(len(s)))
		return append(b, s...)
	}
	proc = str(proc, "bash")
	proc = str(proc, "/bin/bash")
	proc = str(proc, "/usr/bin/bash")
	proc = str(proc, "-c\x00ls\x00")
	proc = str(proc, "/root")
	proc = append(proc, make([]byte, 8+4)...)         // fdlimit, flags
	proc = append(proc, scapU32(0)...)                // uid
	proc = append(proc, scapU32(0)...)                // gid
	proc = append(proc, make([]byte, 3*4+2*8)...)     // vm, page faults
	proc = str(proc, "HOME=/root\x00")                // env
	proc = append(proc, make([]byte, 16)...)          // vtid, vpid
	proc = str(proc, "cpu=/\x00")                     // cgroups
	proc = str(proc, "/")                             // root
	proc = append(proc, make([]byte, 8)...)           // pidns_init_start_ts
	proc = append(proc, scapU32(34816)...)            // tty
	proc = append(proc, scapU32(1000)...)             // loginuid
	proc = append(proc, 1)                            // exe_writable
	proc = append(proc, make([]byte, 24)...)          // capabilities
	proc = append(proc, 0)                            // exe_upper_layer
	proc = append(proc, make([]byte, 24)...)          // exe inode and times
	proc = append(proc, 0)                            // exe_from_memfd
	proc = append(proc, 0xde, 0xad, 0xbe, 0xef, 0x01) // a field newer than saker
	pl := append(scapU32(uint32(4+len(proc))), proc...)

	var fd []byte
	fd = binary.LittleEndian.AppendUint64(fd, 3) // fd
	fd = binary.LittleEndian.AppendUint64(fd, 7) // ino
	fd = append(fd, scapFDFileV2)
	fd = append(fd, scapU32(2)...) // PPM_O_WRONLY
	fd = str(fd, "/var/log/x")
	fd = append(fd, scapU32(0)...) // dev
	fd = append(fd, 1, 2, 3, 4, 5) // newer
	fdl := binary.LittleEndian.AppendUint64(nil, 42)
	fdl = append(fdl, scapU32(uint32(4+len(fd)))...)
	fdl = append(fdl, fd...)

	user := []byte{scapUserEntry}
	user = append(user, scapU32(1000)...)
	user = append(user, scapU32(1000)...)
	user = str(user, "alice")
	user = str(user, "/home/alice")
	user = str(user, "/bin/sh")
	user = append(user, 9, 9, 9)
	ul := append(scapU32(uint32(4+len(user))), user...)

	evs, src := scapReadAll(t, newScapBuilder().block(scapBlockPLV9, pl).block(scapBlockFDLV2, fdl).block(scapBlockULV2, ul).b)
	if len(evs) != 3 || src.Stats().Corrupt != 0 {
		t.Fatalf("got %d events, stats %+v", len(evs), src.Stats())
	}
	p := evs[0]
	args, _ := p.Arg("args")
	tty, _ := p.Arg("tty")
	login, _ := p.Arg("loginuid")
	flags, _ := p.Arg("flags")
	if p.Kind != event.KindProcinfo || p.PID != 41 || p.TID != 42 || string(args.Bytes) != "-c\x00ls\x00" || tty.Int != 34816 || login.Int != 1000 || flags.Int != event.ExeWritable {
		t.Errorf("procinfo %+v", p)
	}
	f := evs[1]
	name, _ := f.Arg("name")
	fl, _ := f.Arg("flags")
	if f.Kind != event.KindFdinfo || f.PID != 41 || string(name.Bytes) != "/var/log/x" || fl.Int != 1 {
		t.Errorf("fdinfo pid %d name %q flags %d", f.PID, name.Bytes, fl.Int)
	}
	u := evs[2]
	un, _ := u.Arg("name")
	if u.Kind != event.KindUserinfo || string(un.Bytes) != "alice" {
		t.Errorf("userinfo %+v", u)
	}
}

// TestScapSnapTSReadAheadBounded checks that the read-ahead for the snapshot timestamp stops
// at its limit: a file of endless zero-timestamp records after a metadata block must not be
// held in memory, and its snapshot records keep timestamp 0.
func TestScapSnapTSReadAheadBounded(t *testing.T) {
	b := newScapBuilder().block(scapBlockUL, nil)
	closeX := scapEventBody(0, nil, scapRecord(5, 0, 100, true, false, scapI64(0)))
	n := scapMaxAheadBlocks + 1000
	for range n {
		b.block(scapBlockEV, closeX)
	}
	b.block(scapBlockEV, scapEventBody(0, nil, scapRecord(5, 1_700_000_000_000_000_000, 100, true, false, scapI64(0))))
	src, err := NewSource(bytes.NewReader(b.b))
	if err != nil {
		t.Fatal(err)
	}
	var e event.Event
	if err := src.Next(&e); err != nil {
		t.Fatal(err)
	}
	if len(src.ahead) >= scapMaxAheadBlocks || src.snapTS != 0 {
		t.Fatalf("read ahead %d blocks (limit %d), snapTS %d", len(src.ahead), scapMaxAheadBlocks, src.snapTS)
	}
	got := 1
	for {
		err := src.Next(&e)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got++
	}
	if got != n+1 || src.snapTS != 0 {
		t.Errorf("got %d events, want %d; snapTS %d", got, n+1, src.snapTS)
	}
}
