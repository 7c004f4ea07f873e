package scap

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"saker/event"
)

// Machine is what a capture's machine info block says about the host it was taken on.
type Machine struct {
	Hostname    string
	NumCPUs     uint32
	MemoryBytes uint64
	MaxPID      uint64
	// BootTime is when the host booted, zero when the capture does not say.
	BootTime time.Time
	// Interfaces lists the interface addresses of the interface list block.
	Interfaces []Interface
	// Version is the section header's format version, as "1.2".
	Version string
	// Comments are the section header's comment options.
	Comments []string
}

// Interface is one network interface address from a capture's interface list.
type Interface struct {
	Name string
	Addr netip.Prefix
}

// parseScapMachine decodes a machine info block: u32 cpus, u64 memory, u64 max pid,
// hostname[128], u64 boot time (Unix ns; a reserved field in older libs, then 0).
func parseScapMachine(body []byte, m *Machine) error {
	c := scapCursor{b: body}
	m.NumCPUs = c.u32()
	m.MemoryBytes = c.u64()
	m.MaxPID = c.u64()
	m.Hostname = string(trimScapText(c.take(128)))
	if c.bad {
		return fmt.Errorf("machine info of %d bytes, want at least 148", len(body))
	}
	if c.len() >= 8 {
		if boot := c.u64(); boot != 0 && boot < 1<<63 {
			m.BootTime = time.Unix(0, int64(boot)).UTC()
		}
	}
	return nil
}

// Interface entry types of the interface list (scap_ifinfo types).
const (
	scapIfIPv4            = 1
	scapIfIPv6            = 2
	scapIfIPv4NoLinkSpeed = 3
	scapIfIPv6NoLinkSpeed = 4
)

// parseScapIfList decodes an interface list block: entries of u16 type, u16 name length,
// address, netmask and broadcast (4 or 16 bytes each), u64 link speed unless the type says
// otherwise, then the name. IL V2 prefixes each entry with its u32 length.
func parseScapIfList(body []byte, v2 bool) ([]Interface, error) {
	var ifs []Interface
	c := scapCursor{b: body}
	for c.len() >= 4 {
		entry := c
		if v2 {
			n := int(c.u32())
			entry = scapCursor{b: c.take(n)}
		}
		typ, nameLen := entry.u16(), int(entry.u16())
		var addr, mask []byte
		switch typ {
		case scapIfIPv4, scapIfIPv4NoLinkSpeed:
			addr, mask = entry.take(4), entry.take(4)
			entry.take(4)
		case scapIfIPv6, scapIfIPv6NoLinkSpeed:
			addr, mask = entry.take(16), entry.take(16)
			entry.take(16)
		default:
			return ifs, fmt.Errorf("interface entry %d: type %d", len(ifs), typ)
		}
		if typ == scapIfIPv4 || typ == scapIfIPv6 {
			entry.take(8)
		}
		name := trimScapText(entry.take(nameLen))
		if entry.bad || c.bad {
			return ifs, fmt.Errorf("interface entry %d: truncated", len(ifs))
		}
		if !v2 {
			c = entry
		}
		ip, _ := netip.AddrFromSlice(addr)
		ones := 0
		for _, b := range mask {
			for ; b&0x80 != 0; b <<= 1 {
				ones++
			}
		}
		ifs = append(ifs, Interface{Name: string(name), Addr: netip.PrefixFrom(ip, ones)})
	}
	return ifs, nil
}

// scapProc is one entry of a process list, as much of it as saker keeps.
type scapProc struct {
	tid, pid, ptid, sid, vpgid, vtid, vpid               int64
	comm, exe, exepath, args, cwd, env, cgroups          []byte
	uid, gid, loginuid, tty                              uint32
	exeWritable, exeUpperLayer, exeFromMemfd             bool
	capPermitted, capEffective, exeInoCtime, exeInoMtime uint64
}

// parseScapProc decodes the process list entry at c, of the given block type, and advances c
// past it. Which fields exist follows the block version (1-9); V9 entries carry their own
// length: fields past it are absent and trailing fields newer than saker are skipped.
func parseScapProc(c *scapCursor, typ uint32) (p scapProc, err error) {
	version := scapProcListVersion(typ)
	start := c.len()
	var subLen int
	if version == 9 {
		subLen = int(c.u32())
	}
	p.tid, p.pid, p.ptid = int64(c.u64()), int64(c.u64()), int64(c.u64())
	p.sid, p.vpgid, p.vtid, p.vpid = -1, -1, -1, -1
	if version >= 6 {
		p.sid = int64(c.u64())
	}
	if version >= 8 {
		p.vpgid = int64(c.u64())
	}
	p.comm, p.exe = c.str(), c.str()
	if version >= 7 {
		p.exepath = c.str()
	}
	p.args, p.cwd = c.bytes16(), c.str()
	c.u64() // fdlimit
	c.u32() // flags
	p.uid, p.gid = c.u32(), c.u32()
	if version >= 2 {
		c.take(3*4 + 2*8) // vm size, rss, swap; page faults
		if version >= 3 {
			p.env = c.bytes16()
		}
		if version >= 4 {
			p.vtid, p.vpid = int64(c.u64()), int64(c.u64())
			p.cgroups = c.bytes16()
			if version >= 5 {
				c.str() // root
			}
		}
	}
	p.loginuid = ^uint32(0)
	if c.bad {
		return p, fmt.Errorf("process entry: truncated")
	}
	if subLen == 0 {
		return p, nil
	}
	read := func() int { return start - c.len() }
	if subLen < read() || subLen > start {
		return p, fmt.Errorf("process entry tid %d: length %d, fixed fields take %d", p.tid, subLen, read())
	}
	// Fields appended after V9 shipped, each present if the entry is long enough. libs 0.10
	// inserted pidns_init_start_ts and tty before loginuid; entries whose remainder fits the
	// older fields (29 bytes) lack them.
	has := func(n int) bool { return subLen-read() >= n }
	if subLen-read() > 29 {
		if has(8) {
			c.u64() // pidns_init_start_ts
		}
		if has(4) {
			p.tty = c.u32()
		}
	}
	if has(4) {
		p.loginuid = c.u32()
	}
	if has(1) {
		p.exeWritable = c.u8() != 0
	}
	if has(8) {
		c.u64() // cap_inheritable
	}
	if has(8) {
		p.capPermitted = c.u64()
	}
	if has(8) {
		p.capEffective = c.u64()
	}
	if has(1) {
		p.exeUpperLayer = c.u8() != 0
	}
	if has(8) {
		c.u64() // exe_ino
	}
	if has(8) {
		p.exeInoCtime = c.u64()
	}
	if has(8) {
		p.exeInoMtime = c.u64()
	}
	if has(1) {
		p.exeFromMemfd = c.u8() != 0
	}
	c.take(subLen - read())
	return p, nil
}

// scapProcListVersion returns the process list version (1-9) of a block type, 0 if none.
func scapProcListVersion(typ uint32) int {
	switch typ {
	case scapBlockPLV1, scapBlockPLV1Int:
		return 1
	case scapBlockPLV2, scapBlockPLV2Int:
		return 2
	case scapBlockPLV3, scapBlockPLV3Int:
		return 3
	case scapBlockPLV4:
		return 4
	case scapBlockPLV5:
		return 5
	case scapBlockPLV6:
		return 6
	case scapBlockPLV7:
		return 7
	case scapBlockPLV8:
		return 8
	case scapBlockPLV9:
		return 9
	}
	return 0
}

// setProcinfo fills e as the procinfo meta event of p.
func setProcinfo(e *event.Event, p *scapProc) {
	e.Reset()
	e.Kind = event.KindProcinfo
	e.ClearIDs() // the process list has one uid and gid (the effective ones), no euid or egid
	e.PID, e.TID = uint32(p.pid), uint32(p.tid)
	var flags int64
	if p.exeWritable {
		flags |= event.ExeWritable
	}
	if p.exeUpperLayer {
		flags |= event.ExeUpperLayer
	}
	if p.exeFromMemfd {
		flags |= event.ExeFromMemfd
	}
	set := func(name string, a event.Arg) {
		if i := event.KindProcinfo.ParamIndex(name); i >= 0 {
			if a.Bytes != nil {
				e.Args[i].Bytes = append(e.Args[i].Bytes[:0], a.Bytes...)
			} else {
				e.Args[i].Int = a.Int
			}
		}
	}
	set("pid", event.Int(p.pid))
	set("tid", event.Int(p.tid))
	set("ptid", event.Int(p.ptid))
	set("comm", event.Bytes(p.comm))
	set("exe", event.Bytes(p.exe))
	set("exepath", event.Bytes(p.exepath))
	set("args", event.Bytes(scapList(p.args)))
	set("cwd", event.Bytes(p.cwd))
	set("env", event.Bytes(scapList(p.env)))
	set("uid", event.Int(int64(p.uid)))
	set("gid", event.Int(int64(p.gid)))
	set("loginuid", event.Int(int64(p.loginuid)))
	set("tty", event.Int(int64(p.tty)))
	set("vpid", event.Int(p.vpid))
	set("vtid", event.Int(p.vtid))
	set("vpgid", event.Int(p.vpgid))
	set("sid", event.Int(p.sid))
	set("cgroups", event.Bytes(bytes.TrimRight(p.cgroups, "\x00")))
	set("flags", event.Int(flags))
	set("cap_permitted", event.Int(int64(p.capPermitted)))
	set("cap_effective", event.Int(int64(p.capEffective)))
	set("exe_ino_ctime", event.Int(int64(p.exeInoCtime)))
	set("exe_ino_mtime", event.Int(int64(p.exeInoMtime)))
	e.NArgs = uint8(len(event.KindProcinfo.Params()))
}

// scapList returns b as a list of NUL-terminated items, adding the last item's NUL if the
// capture left it out.
func scapList(b []byte) []byte {
	if len(b) == 0 || b[len(b)-1] == 0 {
		return b
	}
	return append(b[:len(b):len(b)], 0)
}
