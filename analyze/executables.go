package analyze

import "saker/capfile"

// ExeResolver gives what the capture read of the executable a process ran: at its exec
// (ts is the exec event's timestamp) or in the start snapshot (ts is the procinfo's).
// *replay.BundleSource implements it.
type ExeResolver interface {
	Executable(pid uint32, ts uint64) (*capfile.Executable, bool)
}

// Executable is the evidence on the file a process runs: its SHA-256, or why there is none.
type Executable struct {
	SHA256 []byte // lowercase hex
	Size   int64
	Ino    uint64
	Mtime  int64 // Unix ns
	Ctime  int64 // Unix ns
	Path   string
	Error  []byte // why there is no hash, "" when the capture did not try (no record)
	Kept   bool   // a copy is in the bundle's files/
}

// setExe looks up the executable of p as of the exec or procinfo e; a process without a
// record has none (an exec replaces what the previous image had).
func (s *State) setExe(p *Process, pid uint32, ts uint64) {
	p.Executable = Executable{}
	if s.exes == nil {
		return
	}
	x, ok := s.exes.Executable(pid, ts)
	if !ok {
		return
	}
	p.Executable = Executable{SHA256: []byte(x.SHA256), Size: x.Size, Ino: x.Ino, Mtime: x.Mtime, Ctime: x.Ctime,
		Path: x.Path, Error: []byte(x.Error), Kept: x.Kept}
}
