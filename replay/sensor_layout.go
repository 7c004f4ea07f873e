package replay

import "structs"

// Go mirrors of the sensor's C record structs (capture/bpf/sensor.h, layout version 1).
// The decoder reads fields at the offsets below; TestSensorLayoutMirror checks these structs
// against capture/bpf/layout.golden, which the capture package's tests check against the BTF
// of the compiled BPF object.

// SensorLayoutV1 is the first layout version of raw sensor records.
const SensorLayoutV1 = 1

// Record types of sensorHdr.Type.
const (
	sensorRecSyscall = 1
	sensorRecExec    = 2
	sensorRecFork    = 3
	sensorRecExit    = 4
)

// Blob tags. They are append-only: a tag this decoder does not know is skipped, so the sensor
// adds blobs within layout version 1.
const (
	blobArg0     = 1
	blobSockaddr = 8
	blobTuple    = 9
	blobRTuple   = 10
	blobData     = 11
	blobFDs      = 12
	blobFilename = 13
	blobArgs     = 14
	blobExepath  = 15
	blobCwd      = 16
	blobCgroup   = 17
	blobEnv      = 18 // absent from records of older sensors: no env, not an empty one
	numBlobTags  = 19
)

// Header flags of sensorHdr.Flags (zero in records of older sensors). Bits are append-only:
// the decoder ignores those it does not know.
const (
	hdrIOUring   = 1 // an io_uring request, recorded as the syscall it stands for
	hdrIA32      = 2 // a 32-bit syscall: Nr is an ia32 number
	hdrFixedFile = 4 // io_uring: the fd argument indexes the ring's registered files
)

// Exec flags of sensorExec.Flags.
const (
	execUpperLayer = 1
	execLowerLayer = 2
	execNoLinks    = 4
	// execEnvTruncated: blobEnv holds a prefix of the environment (at most 4 KiB were kept),
	// or is missing because the record was full.
	execEnvTruncated = 8
)

type sensorHdr struct {
	_     structs.HostLayout
	Ts    uint64
	Pid   uint32
	Tid   uint32
	Type  uint16
	Cpu   uint16
	Nr    uint32
	Len   uint32
	Flags uint32
}

type sensorSyscall struct {
	_    structs.HostLayout
	H    sensorHdr
	Ret  int64
	Args [6]uint64
}

type sensorBlob struct {
	_   structs.HostLayout
	Tag uint8
	Pad uint8
	Len uint16
}

type sensorTuple struct {
	_      structs.HostLayout
	Family uint16
	Proto  uint16
	Lport  uint16
	Rport  uint16
	Laddr  [16]uint8
	Raddr  [16]uint8
}

type sensorExec struct {
	_            structs.HostLayout
	H            sensorHdr
	Ppid         uint32
	Uid          uint32
	Gid          uint32
	Euid         uint32
	Egid         uint32
	Loginuid     uint32
	Tty          uint32
	Vpid         uint32
	Vtid         uint32
	Pgid         uint32
	Vpgid        uint32
	Sid          uint32
	Flags        uint32
	Pad          uint32
	CapPermitted uint64
	CapEffective uint64
	ExeIno       uint64
	ExeCtime     uint64
	ExeMtime     uint64
	CgroupId     uint64
	Comm         [16]uint8
}

type sensorFork struct {
	_          structs.HostLayout
	H          sensorHdr
	ChildPid   uint32
	ChildTid   uint32
	CloneFlags uint64
	Comm       [16]uint8
}

type sensorExit struct {
	_    structs.HostLayout
	H    sensorHdr
	Code int32
	Pad  uint32
}

// Sizes and offsets the decoder uses; TestSensorOffsets ties them to the mirrors.
const (
	sizeHdr     = 32
	sizeSyscall = 88
	sizeBlob    = 4
	sizeTuple   = 40
	sizeExec    = 152
	sizeFork    = 64
	sizeExit    = 40
)
