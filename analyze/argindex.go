package analyze

import "saker/event"

// Indexes of the parameters the state reads by name, per kind (-1 when the kind has none):
// an execve carries some twenty-five identity fields, and finding each by name in the
// schema would cost more than the rest of its update.
var (
	argArgs         = paramIndexes("args")
	argCapEffective = paramIndexes("cap_effective")
	argCapPermitted = paramIndexes("cap_permitted")
	argCgroups      = paramIndexes("cgroups")
	argChildPid     = paramIndexes("child_pid")
	argChildTid     = paramIndexes("child_tid")
	argComm         = paramIndexes("comm")
	argCwd          = paramIndexes("cwd")
	argData         = paramIndexes("data")
	argEgid         = paramIndexes("egid")
	argEnv          = paramIndexes("env")
	argEuid         = paramIndexes("euid")
	argExe          = paramIndexes("exe")
	argExeInoCtime  = paramIndexes("exe_ino_ctime")
	argExeInoMtime  = paramIndexes("exe_ino_mtime")
	argExepath      = paramIndexes("exepath")
	argFd           = paramIndexes("fd")
	argFilename     = paramIndexes("filename")
	argFlags        = paramIndexes("flags")
	argGid          = paramIndexes("gid")
	argLoginuid     = paramIndexes("loginuid")
	argPgid         = paramIndexes("pgid")
	argPid          = paramIndexes("pid")
	argPtid         = paramIndexes("ptid")
	argSid          = paramIndexes("sid")
	argStartTs      = paramIndexes("start_ts")
	argTid          = paramIndexes("tid")
	argTty          = paramIndexes("tty")
	argUid          = paramIndexes("uid")
	argVpgid        = paramIndexes("vpgid")
	argVpid         = paramIndexes("vpid")
)

// argAt returns e's argument at idx[e.Kind], the zero Arg when the kind has none or the
// event lacks it.
func argAt(e *event.Event, idx []int8) event.Arg {
	a, _ := argAtOK(e, idx)
	return a
}

// argAtOK is argAt that also reports whether the event has the argument.
func argAtOK(e *event.Event, idx []int8) (event.Arg, bool) {
	if int(e.Kind) >= len(idx) {
		return event.Arg{}, false
	}
	i := idx[e.Kind]
	if i < 0 || int(i) >= int(e.NArgs) {
		return event.Arg{}, false
	}
	return e.Args[i], true
}
