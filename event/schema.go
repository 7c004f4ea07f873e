package event

import "math/bits"

// Kind is an event kind: a syscall named as Falco's evt.type names it, or a meta record.
// Kinds are numbered by their order in schema.txt; KindUnknown (0) is no kind.
type Kind uint16

// Type is the type of one event parameter.
type Type uint8

// Parameter types. Integer types keep their value in Arg.Int, the others in Arg.Bytes.
const (
	TypeInt      Type = iota + 1 // signed integer
	TypeUint                     // unsigned integer
	TypeFD                       // file descriptor number
	TypePID                      // process or thread id
	TypeUID                      // user id
	TypeGID                      // group id
	TypeMode                     // file mode bits (chmod, open); rendered with the mode table
	TypeFlags                    // bit set rendered with the parameter's flag table
	TypeEnum                     // one value rendered with the parameter's enum table
	TypeString                   // text, possibly invalid UTF-8
	TypePath                     // file system path
	TypeBytes                    // raw bytes such as payload snippets
	TypeList                     // NUL-terminated items (argv, env)
	TypeSockaddr                 // one socket address; see Sockaddr
	TypeTuple                    // a connection tuple; see Tuple
)

// IsInt reports whether values of t live in Arg.Int.
func (t Type) IsInt() bool { return t >= TypeInt && t <= TypeEnum }

// Category groups kinds.
type Category uint8

// Categories of kinds.
const (
	CategoryProcess Category = iota + 1
	CategoryFile
	CategoryNet
	CategoryIPC
	CategorySecurity
	CategoryMeta // not a syscall: snapshot records, DNS and GitHub events, bookkeeping
)

// Param describes one parameter of a kind.
type Param struct {
	Name  string
	Type  Type
	Table string // flag or enum table for TypeFlags and TypeEnum; see FlagTable
}

type kindInfo struct {
	name     string
	category Category
	params   []Param
}

// String returns the kind's name, as Falco's evt.type prints it.
func (k Kind) String() string {
	if int(k) < len(kinds) && k != KindUnknown {
		return kinds[k].name
	}
	return "unknown"
}

// Valid reports whether k is a kind of the schema.
func (k Kind) Valid() bool { return k != KindUnknown && int(k) < len(kinds) }

// Category returns the kind's category, 0 for an invalid kind.
func (k Kind) Category() Category {
	if !k.Valid() {
		return 0
	}
	return kinds[k].category
}

// IsSyscall reports whether k is a syscall rather than a meta record.
func (k Kind) IsSyscall() bool { return k.Valid() && kinds[k].category != CategoryMeta }

// Params returns the kind's parameters in order. The slice must not be modified.
func (k Kind) Params() []Param {
	if !k.Valid() {
		return nil
	}
	return kinds[k].params
}

// ParamIndex returns the index of the parameter named name, or -1.
func (k Kind) ParamIndex(name string) int {
	for i, p := range k.Params() {
		if p.Name == name {
			return i
		}
	}
	return -1
}

// NumKinds is one more than the largest valid Kind; kinds index arrays of this length.
const NumKinds = int(numKinds)

// KindByName returns the kind named name (Falco's evt.type spelling) and whether it exists.
func KindByName(name string) (Kind, bool) {
	k, ok := kindsByName[name]
	return k, ok
}

// Kinds returns every valid kind in schema order.
func Kinds() []Kind {
	ks := make([]Kind, 0, NumKinds-1)
	for k := Kind(1); int(k) < NumKinds; k++ {
		ks = append(ks, k)
	}
	return ks
}

// IntParams returns a bit set of the kind's parameters whose values live in Arg.Int: bit i is
// set when parameter i has an integer type. Decoders use it to check encodings without
// walking the schema per argument.
func (k Kind) IntParams() uint64 {
	if !k.Valid() {
		return 0
	}
	return intParams[k]
}

var intParams = func() [len(kinds)]uint64 {
	var m [len(kinds)]uint64
	for k := range kinds {
		for i, p := range kinds[k].params {
			if p.Type.IsInt() {
				m[k] |= 1 << i
			}
		}
	}
	return m
}()

// UnsetID is the value of a uid or gid parameter that the source did not record: the
// kernel's (uid_t)-1, which no user or group has. A decoder whose record format lacks some id
// parameters of a kind calls ClearIDs before setting the ones it has, so that readers can
// tell "not recorded" from root.
const UnsetID = 0xffffffff

// ClearIDs sets every uid and gid parameter of e's kind to UnsetID.
func (e *Event) ClearIDs() {
	if !e.Kind.Valid() {
		return
	}
	for m := idParams[e.Kind]; m != 0; m &= m - 1 {
		e.Args[bits.TrailingZeros64(m)].Int = UnsetID
	}
}

var idParams = func() [len(kinds)]uint64 {
	var m [len(kinds)]uint64
	for k := range kinds {
		for i, p := range kinds[k].params {
			if p.Type == TypeUID || p.Type == TypeGID {
				m[k] |= 1 << i
			}
		}
	}
	return m
}()

var kindsByName = func() map[string]Kind {
	m := make(map[string]Kind, len(kinds))
	for k := Kind(1); int(k) < len(kinds); k++ {
		m[kinds[k].name] = k
	}
	return m
}()
