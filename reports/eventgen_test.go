package reports

import (
	"strconv"
	"time"
)

// mixEvents makes events shaped like those `saker analyze --db` stores for the project's
// synthetic capture mix (analyze/bench_capture_test.go writeCaptureMix): by share of rows,
// read 25%, close 20%, openat 15%, sendto and recvfrom 8% each with a tuple and a payload,
// chmod 6%, write 5%, socket 5%, connect 3% with a tuple, and 1.4% each of clone, execve and
// procexit, with argument texts of the lengths measured on that capture (20 to 450 bytes).
type mixEvents struct {
	paths, cmds []string
	payload     []byte
}

func newMixEvents() *mixEvents {
	m := &mixEvents{payload: make([]byte, 68)}
	for i := range 4096 {
		m.paths = append(m.paths, "/var/lib/app"+strconv.Itoa(i%37)+"/data/file"+strconv.Itoa(i*7919%100000)+".db")
	}
	for i := range 64 {
		m.cmds = append(m.cmds, "exe=/usr/bin/worker"+strconv.Itoa(i)+" args=--config /etc/worker"+strconv.Itoa(i)+
			".conf --log-level info --threads 4 --queue jobs-"+strconv.Itoa(i)+" tid=0 pid=0 ptid=0 cwd=/srv/app"+
			" fdlimit=1024 pgft_maj=0 pgft_min=153 vm_size=12320 vm_rss=4100 vm_swap=0 comm=worker"+
			strconv.Itoa(i)+" cgroups=cpuset=/ cpu=/ memory=/ env=PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin"+
			":/usr/bin:/sbin:/bin HOME=/srv LANG=C.UTF-8 tty=0 vpgid=1 loginuid=-1 flags=0 cap_inheritable=0"+
			" cap_permitted=0 cap_effective=0 exe_ino=131077 exe_ino_ctime=1700000000 uid=33 trusted_exepath="+
			"/usr/bin/worker"+strconv.Itoa(i))
	}
	for i := range m.payload {
		m.payload[i] = byte(i * 37)
	}
	return m
}

// event fills e with the i-th event of capture id; e.Data aliases m's payload.
func (m *mixEvents) event(i int, id string, e *Event) {
	*e = Event{CaptureID: id, Num: uint64(i + 1), Time: t0.Add(time.Duration(i)*1500*time.Nanosecond + time.Duration(i*7%997)),
		PID: int64(1000 + i%300), ProcessKey: uint64(1 + i%4396), FD: int64(3 + i%40)}
	e.TID = e.PID + int64(i%3)
	fd := strconv.Itoa(int(e.FD))
	size := strconv.Itoa(42 + i%977)
	switch r := i * 7 % 1000; {
	case r < 250:
		e.Kind, e.Res, e.Args, e.Data = "read", 42, "fd="+fd+" size="+size, m.payload[:42]
	case r < 450:
		e.Kind, e.Args = "close", "fd="+fd
	case r < 600:
		e.Kind, e.Res, e.Path = "openat", e.FD, m.paths[(i*31)%len(m.paths)]
		e.Args = "fd=" + fd + " dirfd=-100(AT_FDCWD) name=" + e.Path + " flags=1(O_RDONLY|O_CLOEXEC) mode=0 dev=803 ino=" + strconv.Itoa(i*104729%999983)
	case r < 680:
		e.Kind, e.Res, e.Data = "sendto", 30, m.payload[:30]
		e.Tuple = "10.0.0." + strconv.Itoa(i%250) + ":" + strconv.Itoa(30000+i%5000) + "->198.51.100.7:443"
		e.Args = "fd=" + fd + " size=30 tuple=" + e.Tuple
	case r < 760:
		e.Kind, e.Res, e.Data = "recvfrom", 68, m.payload
		e.Tuple = "198.51.100.7:443->10.0.0." + strconv.Itoa(i%250) + ":" + strconv.Itoa(30000+i%5000)
		e.Args = "fd=" + fd + " size=" + size + " tuple=" + e.Tuple
	case r < 820:
		e.Kind, e.Path = "chmod", m.paths[(i*17)%len(m.paths)]
		e.Args = "filename=" + e.Path + " mode=0755(S_IRWXU|S_IRGRP|S_IXGRP|S_IROTH|S_IXOTH)"
	case r < 870:
		e.Kind, e.Res, e.Args, e.Data = "write", 42, "fd="+fd+" size="+size, m.payload[:42]
	case r < 916:
		e.Kind, e.Res, e.Args = "socket", e.FD, "fd="+fd+" domain=2(AF_INET) type=1 proto=0"
	case r < 950:
		e.Kind, e.Tuple = "connect", "10.0.0."+strconv.Itoa(i%250)+":"+strconv.Itoa(30000+i%5000)+"->198.51.100.7:443"
		e.Args = "res=0 tuple=" + e.Tuple + " fd=" + fd
	case r < 964:
		e.Kind, e.Res = "clone", int64(2000+i%30000)
		e.Args = "res=" + strconv.Itoa(int(e.Res)) + " exe=/usr/bin/bash args=-c true tid=" + strconv.Itoa(int(e.TID)) + " pid=" + strconv.Itoa(int(e.PID)) + " flags=25165824(CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID)"
	case r < 978:
		e.Kind, e.Path, e.Args = "execve", "/usr/bin/worker", m.cmds[i%len(m.cmds)]
	default:
		e.Kind, e.Args = "procexit", "status=0"
	}
}
