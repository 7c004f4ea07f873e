// Command scapgen turns the scap event table (events.txt) into replay/scap/events_gen.go: for
// every scap event number saker reads, its direction, the saker kind it becomes and how each of
// its parameters is decoded and where it goes. The parameter targets are resolved against the
// event schema (saker/event) here, so that a table naming a kind or parameter the schema lacks
// fails to generate instead of failing at run time.
//
// Usage: go run ./internal/scapgen -in internal/scapgen/events.txt -out scap_events_gen.go
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"saker/event"
)

// classes maps a table type to the decoding class constant of package scap.
var classes = map[string]string{
	"i8": "scapSigned", "i16": "scapSigned", "i32": "scapSigned", "i64": "scapSigned",
	"errno": "scapSigned", "fd": "scapSigned", "pid": "scapSigned",
	"u8": "scapUnsigned", "u16": "scapUnsigned", "u32": "scapUnsigned", "u64": "scapUnsigned",
	"uid": "scapUnsigned", "gid": "scapUnsigned", "mode": "scapUnsigned", "flags8": "scapUnsigned",
	"flags16": "scapUnsigned", "flags32": "scapUnsigned", "sigtype": "scapUnsigned",
	"charbuf": "scapText", "fspath": "scapText", "bytebuf": "scapRaw", "dyn": "scapRaw",
	"sockaddr": "scapSockaddr", "socktuple": "scapTuple",
}

var convs = map[string]string{
	"": "scapConvNone", "open": "scapConvOpen", "clone": "scapConvClone", "fcntl": "scapConvFcntl",
}

type param struct {
	name, class, conv string
	to                int // saker parameter index, or one of the to* values
}

const (
	toDrop = -1
	toRes  = -2
)

type scapEvent struct {
	num         int
	exit        bool
	name, kind  string
	inbound     bool
	large       bool
	params      []param
	sourceLine  int
	kindDefined bool
}

func main() {
	in := flag.String("in", "internal/scapgen/events.txt", "scap event table")
	out := flag.String("out", "scap_events_gen.go", "generated Go file")
	namesFile := flag.String("names", "internal/scapgen/names.txt", "libs' names of every scap event number")
	flag.Parse()
	evs, err := parse(*in)
	if err != nil {
		log.Fatal(err)
	}
	names, err := parseNames(*namesFile)
	if err != nil {
		log.Fatal(err)
	}
	src, err := generate(*in, evs, names)
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

func parse(path string) ([]scapEvent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var evs []scapEvent
	seen := map[int]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		ev, err := parseLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if seen[ev.num] {
			return nil, fmt.Errorf("%s:%d: event %d defined twice", path, line, ev.num)
		}
		seen[ev.num] = true
		ev.sourceLine = line
		evs = append(evs, ev)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	slices.SortFunc(evs, func(a, b scapEvent) int { return a.num - b.num })
	return evs, nil
}

func parseLine(text string) (scapEvent, error) {
	fields := strings.Fields(text)
	if len(fields) < 5 {
		return scapEvent{}, fmt.Errorf("want NUM DIR NAME KIND FLAGS PARAM...")
	}
	num, err := strconv.Atoi(fields[0])
	if err != nil || num < 0 || num > 0xffff {
		return scapEvent{}, fmt.Errorf("bad event number %q", fields[0])
	}
	ev := scapEvent{num: num, name: fields[2], kind: fields[3]}
	switch fields[1] {
	case "E":
	case "X":
		ev.exit = true
	default:
		return scapEvent{}, fmt.Errorf("direction %q: want E or X", fields[1])
	}
	if ev.exit != (num%2 == 1) {
		return scapEvent{}, fmt.Errorf("event %d: enter events are even, exit events odd", num)
	}
	if fields[4] != "-" {
		for _, fl := range strings.Split(fields[4], ",") {
			switch fl {
			case "inbound":
				ev.inbound = true
			case "large":
				ev.large = true
			default:
				return scapEvent{}, fmt.Errorf("unknown flag %q", fl)
			}
		}
	}
	var kind event.Kind
	if ev.kind != "-" {
		k, ok := event.KindByName(ev.kind)
		if !ok {
			return scapEvent{}, fmt.Errorf("kind %q is not in event/schema.txt", ev.kind)
		}
		kind, ev.kindDefined = k, true
	}
	names := map[string]bool{}
	for _, p := range fields[5:] {
		pr, err := parseParam(p, kind)
		if err != nil {
			return scapEvent{}, err
		}
		if names[pr.name] {
			return scapEvent{}, fmt.Errorf("parameter %q twice", pr.name)
		}
		names[pr.name] = true
		ev.params = append(ev.params, pr)
	}
	return ev, nil
}

// parseParam parses name:type[/conv][>target] and resolves the target in kind's parameters.
func parseParam(p string, kind event.Kind) (param, error) {
	spec, target, hasTarget := strings.Cut(p, ">")
	name, typ, ok := strings.Cut(spec, ":")
	if !ok {
		return param{}, fmt.Errorf("parameter %q: want name:type", p)
	}
	typ, conv, _ := strings.Cut(typ, "/")
	pr := param{name: name, class: classes[typ], conv: convs[conv]}
	if pr.class == "" {
		return param{}, fmt.Errorf("parameter %q: unknown type %q", p, typ)
	}
	if pr.conv == "" {
		return param{}, fmt.Errorf("parameter %q: unknown conversion %q", p, conv)
	}
	if !hasTarget {
		target = name
	}
	switch {
	case target == "-":
		pr.to = toDrop
	case target == "@res" || (!hasTarget && name == "res"):
		pr.to = toRes
	default:
		pr.to = kind.ParamIndex(target)
		if pr.to < 0 && hasTarget {
			return param{}, fmt.Errorf("parameter %q: kind %s has no parameter %q", p, kind, target)
		}
		if pr.to < 0 {
			pr.to = toDrop
		}
	}
	return pr, nil
}

func kindConst(name string) string {
	var b strings.Builder
	b.WriteString("event.Kind")
	up := true
	for _, r := range name {
		if r == '_' {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// parseNames reads names.txt: "NUM NAME" lines, # comments.
func parseNames(path string) (map[int]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	names := map[int]string{}
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		n, err := strconv.Atoi(f[0])
		if len(f) != 2 || err != nil || n < 0 || n > 0xffff {
			return nil, fmt.Errorf("%s:%d: want NUM NAME", path, i+1)
		}
		names[n] = f[1]
	}
	return names, nil
}

func generate(src string, evs []scapEvent, names map[int]string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Code generated by scapgen from %s; DO NOT EDIT.\n\npackage scap\n\n", src)
	b.WriteString("import \"saker/event\"\n\n")
	maxNum := 0
	for _, ev := range evs {
		maxNum = max(maxNum, ev.num)
	}
	fmt.Fprintf(&b, "// scapEventLimit is one more than the largest scap event number in the table.\n")
	fmt.Fprintf(&b, "const scapEventLimit = %d\n\n", maxNum+1)
	b.WriteString("// scapEvents describes the scap events saker reads, indexed by scap event number.\n")
	b.WriteString("var scapEvents = [scapEventLimit]scapEventSpec{\n")
	for _, ev := range evs {
		kind := "event.KindUnknown"
		if ev.kindDefined {
			kind = kindConst(ev.kind)
		}
		var flags []string
		if ev.exit {
			flags = append(flags, "scapExit")
		}
		if ev.inbound {
			flags = append(flags, "scapInbound")
		}
		if ev.large {
			flags = append(flags, "scapLarge")
		}
		fl := "0"
		if len(flags) > 0 {
			fl = strings.Join(flags, " | ")
		}
		fmt.Fprintf(&b, "\t%d: {name: %q, kind: %s, flags: %s, params: []scapParamSpec{", ev.num, ev.name, kind, fl)
		for i, p := range ev.params {
			if i > 0 {
				b.WriteString(", ")
			}
			to := strconv.Itoa(p.to)
			switch p.to {
			case toDrop:
				to = "scapToDrop"
			case toRes:
				to = "scapToRes"
			}
			fmt.Fprintf(&b, "{%q, %s, %s, %s}", p.name, p.class, p.conv, to)
		}
		b.WriteString("}},\n")
	}
	b.WriteString("}\n\n")
	nums := make([]int, 0, len(names))
	for n := range names {
		nums = append(nums, n)
	}
	sort.Ints(nums)
	b.WriteString("// scapEventNames names every scap event number, read by saker or not (libs' names).\n")
	b.WriteString("var scapEventNames = map[uint16]string{\n")
	for _, n := range nums {
		fmt.Fprintf(&b, "\t%d: %q,\n", n, names[n])
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}
