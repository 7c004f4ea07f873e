// Package event holds saker's one data model: the Event value every capture source yields,
// the kind and parameter schema that gives each Event's arguments their names and types, and
// the Source interface that live capture, saker's capture bundles, .scap files and tests share.
//
// The package uses the standard library only, so that every other package may import it.
package event

//go:generate go run ./internal/schemagen -in schema.txt -out schema_gen.go
//go:generate go run ./internal/ia32gen -in internal/ia32gen/syscall_32.txt -pkg event -out ia32_gen.go

// MaxArgs is the largest number of parameters any kind has in the schema.
const MaxArgs = maxArgs

// Event is one syscall or meta record. Sources fill an Event in place (see Source), so an
// Event's Bytes arguments are valid only until the next call that reuses it; Clone copies them.
type Event struct {
	// TS is the time of the event in nanoseconds of the capture's clock: CLOCK_BOOTTIME for
	// saker bundles, Unix time for foreign formats. A Source that implements Clock turns it
	// into wall-clock time.
	TS uint64
	// Num numbers events 1, 2, 3... in the order a Source yields them.
	Num  uint64
	Kind Kind
	CPU  uint16
	// PID is the thread-group id and TID the thread id, both in the initial pid namespace.
	PID uint32
	TID uint32
	// Res is the syscall's return value: a negative errno on failure. Meta kinds leave it 0.
	Res int64
	// Flags say how the call entered the kernel (FlagIOUring, FlagIA32); zero for an
	// ordinary 64-bit system call and for every event of foreign formats.
	Flags Flags
	// NArgs is the number of valid entries of Args; it equals len(Kind.Params()) for events
	// that sources produce, and is smaller only for sources that lost trailing parameters.
	NArgs uint8
	Args  [MaxArgs]Arg
}

// Flags are bits of Event.Flags.
type Flags uint8

const (
	// FlagIOUring marks an event the kernel performed for an io_uring request: the process
	// submitted the operation (IORING_OP_CONNECT, IORING_OP_SEND...) instead of making the
	// system call whose kind the event has.
	FlagIOUring Flags = 1 << iota
	// FlagIA32 marks a 32-bit system call (int 0x80 or the ia32 compat entry) on a 64-bit
	// kernel, decoded with the ia32 numbering.
	FlagIA32
)

// Arg is one parameter value. Its meaning comes from the schema: integer types (int, uint, fd,
// pid, uid, gid, mode, flags, enum) use Int, the others (string, path, bytes, list, sockaddr,
// tuple) use Bytes. Lists hold NUL-terminated items; sockaddr and tuple use the encodings of
// Sockaddr and Tuple. A parameter a source could not fill is empty; one past NArgs is absent.
type Arg struct {
	Int   int64
	Bytes []byte
}

// Reset clears e for reuse, keeping the capacity of its Bytes buffers. Arguments past NArgs
// are kept empty by Reset and SetArgs, so only the used ones need clearing.
func (e *Event) Reset() {
	n := e.NArgs
	e.TS, e.Num, e.Kind, e.CPU, e.PID, e.TID, e.Res, e.Flags, e.NArgs = 0, 0, KindUnknown, 0, 0, 0, 0, 0, 0
	for i := range n {
		e.Args[i] = Arg{Bytes: e.Args[i].Bytes[:0]}
	}
}

// Arg returns the parameter named name and whether the event's kind has it.
func (e *Event) Arg(name string) (Arg, bool) {
	i := e.Kind.ParamIndex(name)
	if i < 0 || i >= int(e.NArgs) {
		return Arg{}, false
	}
	return e.Args[i], true
}

// SetArgs sets the event's arguments in schema order and NArgs to their number. It panics
// when given more than MaxArgs values, which is a programming error.
func (e *Event) SetArgs(args ...Arg) {
	n := copy(e.Args[:], args)
	if n < len(args) {
		panic("event: too many arguments")
	}
	for i := n; i < int(e.NArgs); i++ {
		e.Args[i] = Arg{Bytes: e.Args[i].Bytes[:0]}
	}
	e.NArgs = uint8(n)
}

// Clone returns a deep copy of e whose Bytes do not alias e's.
func (e *Event) Clone() *Event {
	c := *e
	for i := range int(e.NArgs) {
		if b := e.Args[i].Bytes; b != nil {
			c.Args[i].Bytes = append([]byte{}, b...)
		}
	}
	return &c
}

// Int returns an integer argument.
func Int(v int64) Arg { return Arg{Int: v} }

// Str returns a string argument.
func Str(s string) Arg { return Arg{Bytes: []byte(s)} }

// Bytes returns a byte-string argument.
func Bytes(b []byte) Arg { return Arg{Bytes: b} }
