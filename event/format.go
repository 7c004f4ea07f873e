package event

import (
	"strconv"
	"strings"
)

// AppendArg appends a text rendering of the value of parameter p, in the style Falco prints
// evt.arg values: numbers in decimal, modes in octal with their bit names, flags and enums by
// name, lists joined by spaces, tuples as "lip:lport->rip:rport", and bytes with every byte
// that is not printable ASCII shown as '.'. Text parameters are appended as they are (invalid
// UTF-8 included); escaping for a display medium is the caller's job.
func AppendArg(b []byte, p Param, a Arg) []byte {
	switch p.Type {
	case TypeMode:
		b = append(b, '0')
		b = strconv.AppendInt(b, a.Int, 8)
		if a.Int != 0 {
			b = append(b, '(')
			b = append(b, FormatFlags("mode", a.Int, false)...)
			b = append(b, ')')
		}
		return b
	case TypeFlags:
		return append(b, FormatFlags(p.Table, a.Int, false)...)
	case TypeEnum:
		return append(b, FormatFlags(p.Table, a.Int, true)...)
	case TypeUint:
		return strconv.AppendUint(b, uint64(a.Int), 10)
	case TypeString, TypePath:
		return append(b, a.Bytes...)
	case TypeList:
		return AppendList(b, a.Bytes, ' ')
	case TypeBytes:
		for _, c := range a.Bytes {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			b = append(b, c)
		}
		return b
	case TypeSockaddr:
		s, err := ParseSockaddr(a.Bytes)
		if err != nil {
			return b
		}
		if s.Family == AFInet || s.Family == AFInet6 {
			return append(b, s.Addr.String()...)
		}
		return append(b, s.Path...)
	case TypeTuple:
		t, err := ParseTuple(a.Bytes)
		if err != nil {
			return b
		}
		if t.Family == AFInet || t.Family == AFInet6 {
			b = append(b, t.Local.String()...)
			b = append(b, "->"...)
			return append(b, t.Remote.String()...)
		}
		return append(b, t.Path...)
	}
	return strconv.AppendInt(b, a.Int, 10)
}

// AppendList appends the NUL-terminated items of list joined by sep. A last item without its
// NUL terminator (a truncated capture) is appended too.
func AppendList(b, list []byte, sep byte) []byte {
	list = trimNUL(list)
	for _, c := range list {
		if c == 0 {
			c = sep
		}
		b = append(b, c)
	}
	return b
}

// ListItems splits NUL-terminated items. The strings are copies.
func ListItems(list []byte) []string {
	list = trimNUL(list)
	if len(list) == 0 {
		return nil
	}
	return strings.Split(string(list), "\x00")
}

// AppendListItem appends s as one item of a NUL-terminated list.
func AppendListItem(list []byte, s string) []byte {
	list = append(list, s...)
	return append(list, 0)
}

func trimNUL(list []byte) []byte {
	if n := len(list); n > 0 && list[n-1] == 0 {
		return list[:n-1]
	}
	return list
}
