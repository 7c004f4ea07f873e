package rules_test

import (
	"strconv"
	"strings"
	"testing"

	"saker/rules"
)

// Falco's own parser tests as saker's specification of condition syntax: every condition that
// libsinsp's parser tests accept or reject (falcosecurity/libs 48dfd53,
// userspace/libsinsp/test/filter_parser.ut.cpp), grouped by the test that holds them. Accepted
// conditions are also tried in the variants that file generates: blanks around the condition,
// then every blank a newline, then every blank a tab. Where saker chooses to differ the case is
// listed in parserDifferences with the reason, and docs/RULES.md lists it too.

type specKind int

const (
	accept      specKind = iota // accepted, whitespace variants too
	acceptExact                 // accepted as written (libsinsp checks positions on it)
	reject
)

type parserSpec struct {
	in   string
	kind specKind
}

// parserDifferences holds the conditions on which saker deliberately disagrees with
// libsinsp's parser, with the reason.
var parserDifferences = map[string]string{}

// whitespaceVariants returns the variants of an accepted condition libsinsp's tests also
// parse.
func whitespaceVariants(in string) []string {
	padded := " " + in + " "
	nl := strings.ReplaceAll(padded, " ", "\n")
	tab := strings.ReplaceAll(nl, "\n", "\t")
	return []string{in, padded, nl, tab}
}

// agreement tallies the cases of an upstream test file on which saker agrees.
type agreement struct {
	name         string
	total, agree int
	deliberate   int
}

func (a *agreement) report(t *testing.T) {
	t.Helper()
	pct := 100 * float64(a.agree) / float64(max(a.total, 1))
	t.Logf("%s: saker agrees on %d of %d cases (%.2f%%), %d deliberate differences", a.name, a.agree, a.total, pct, a.deliberate)
}

// check counts one case: ok says whether saker agrees; a case listed as a deliberate
// difference must disagree, any other must agree.
func (a *agreement) check(t *testing.T, key string, ok bool, differences map[string]string, format string, args ...any) {
	t.Helper()
	a.total++
	if why, listed := differences[key]; listed {
		a.deliberate++
		if ok {
			t.Errorf("%q is listed as a deliberate difference (%s) but saker agrees", key, why)
		}
		return
	}
	if ok {
		a.agree++
		return
	}
	t.Errorf(format, args...)
}

func TestUpstreamParser(t *testing.T) {
	a := &agreement{name: "filter_parser.ut.cpp"}
	for _, c := range parserSpecs {
		inputs := []string{c.in}
		if c.kind == accept {
			inputs = whitespaceVariants(c.in)
		}
		for _, in := range inputs {
			_, err := rules.ParseCondition(in)
			want := c.kind != reject
			a.check(t, in, (err == nil) == want, parserDifferences, "%q: libsinsp %s it, saker says %v", in, map[bool]string{true: "accepts", false: "rejects"}[want], err)
		}
	}
	a.report(t)
}

// parserTrees are the conditions whose tree libsinsp's parser tests check (test_equal_ast,
// as_string), with the tree saker builds for them in its canonical text. A tree of the
// same shape prints the same; differences of form are listed in treeDifferences.
var parserTrees = []struct{ in, want string }{
	{"evt.name exists and evt.type in (a, b) or proc.name=cat", "((evt.name exists and evt.type in (a, b)) or proc.name = cat)"},
	{"b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or proc.name=b64(tolower(some.field))",
		"((b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field)) or proc.name = b64(tolower(some.field)))"},
	{"not not not not not(not not(not not_macro))", "not not not_macro"},
	{"proc.name == oneof (cat, nginx)", "proc.name == oneof (cat, nginx)"},
	{"proc.name != anyof (cat, nginx)", "proc.name != anyof (cat, nginx)"},
	{"proc.name = allof (cat)", "proc.name = allof (cat)"},
	{"proc.name == oneof ()", "proc.name == oneof ()"},
	{"proc.name == oneof my_list", "proc.name == oneof (my_list)"},
	{"proc.name == oneof (cat, nginx) and fd.name exists", "(proc.name == oneof (cat, nginx) and fd.name exists)"},
	{"proc.name == anyof and fd.name exists", "(proc.name == anyof and fd.name exists)"},
	{"proc.name == oneof (cat) and proc.name == anyof", "(proc.name == oneof (cat) and proc.name == anyof)"},
	{"proc.name contains oneof (cat, nginx)", "proc.name contains oneof (cat, nginx)"},
	{"proc.name startswith anyof (/etc/, /tmp/)", "proc.name startswith anyof (/etc/, /tmp/)"},
	{"proc.name glob allof (cat*, *nginx*)", "proc.name glob allof (cat*, *nginx*)"},
	{`getopt(proc.args, "nt:")[t] = value`, `getopt(proc.args, "nt:")[t] = value`},
	{`getopt(proc.args, "nt:")["t"] = value`, `getopt(proc.args, "nt:")[t] = value`},
	{`evt.arg[0] = value`, `evt.arg[0] = value`},
	{`evt.arg[key] = value`, `evt.arg[key] = value`},
	{`evt.arg["key with space"] = value`, `evt.arg["key with space"] = value`},
	{`test.str = value`, `test.str = value`},
	{`test.str[""] = value`, `test.str[""] = value`},
	{`getopt(proc.args, "nt:") = value`, `getopt(proc.args, "nt:") = value`},
	{`getopt(proc.args, "nt:")[""] = value`, `getopt(proc.args, "nt:")[""] = value`},
	{`join("-", (fd.name, fd.directory)) = value`, `join("-", (fd.name, fd.directory)) = value`},
}

// treeDifferences are trees saker builds in another form than libsinsp, with the reason.
var treeDifferences = map[string]string{
	"not not not not not(not not(not not_macro))": "libsinsp folds pairs of negations while parsing; saker keeps each not as written (same meaning)",
}

func TestUpstreamParserTrees(t *testing.T) {
	a := &agreement{name: "filter_parser.ut.cpp trees"}
	for _, c := range parserTrees {
		n, err := rules.ParseCondition(c.in)
		got := ""
		if err == nil {
			got = n.String()
		}
		a.check(t, c.in, err == nil && got == c.want, treeDifferences, "%q: got %q (%v), want %q", c.in, got, err, c.want)
	}
	a.report(t)
}

// parserPositions are the offsets libsinsp's parser tests expect for nodes, in the order a
// walk visits them, restricted to the nodes saker's tree has a position for: checks, the
// fields they test, and/or/not and macro references (saker does not keep the positions of
// values and lists).
var parserPositions = []struct{ in, want string }{
	{"proc.name exists", "check0 field0"},
	{"proc.name=nginx", "check0 field0"},
	{"proc.aname[3]=nginx", "check0 field0"},
	{"proc.name =nginx", "check0 field0"},
	{"proc.name in (nginx, apache)", "check0 field0"},
	{"not proc.name=nginx", "not0 check4 field4"},
	{"proc.name=nginx or proc.name=apache", "or0 check0 field0 check19 field19"},
	{"(proc.name=nginx or proc.name=apache)", "or1 check1 field1 check20 field20"},
	{"proc.name=nginx and proc.name=apache", "and0 check0 field0 check20 field20"},
	{"(proc.name=nginx and proc.name=apache)", "and1 check1 field1 check21 field21"},
	{"(proc.aname[2]=nginx and evt.type in (connect,accept)) or (not fd.name exists) or (proc.name=apache and evt.type=switch)",
		"or0 and1 check1 field1 check25 field25 not59 check63 field63 and83 check83 field83 check104 field104"},
	{"\n(proc.aname[2]=nginx\n     and evt.type in (connect,accept))\n   or (not fd.name exists)\n   or (proc.name=apache\n       and evt.type=switch)",
		"or0 and2 check2 field2 check31 field31 not68 check72 field72 and95 check95 field95 check123 field123"},
	{"proc.name == oneof (cat)", "check0 field0"},
}

func positions(n rules.Node) string {
	var b []string
	var visit func(rules.Node)
	add := func(kind string, p rules.Pos) { b = append(b, kind+strconv.Itoa(p.Col-1)) }
	visit = func(n rules.Node) {
		switch x := n.(type) {
		case *rules.AndExpr:
			add("and", x.Pos)
			for _, k := range x.Kids {
				visit(k)
			}
		case *rules.OrExpr:
			add("or", x.Pos)
			for _, k := range x.Kids {
				visit(k)
			}
		case *rules.NotExpr:
			add("not", x.Pos)
			visit(x.X)
		case *rules.Check:
			add("check", x.Pos)
			add("field", x.Field.Pos)
		case *rules.MacroRef:
			add("identifier", x.Pos)
		}
	}
	visit(n)
	return strings.Join(b, " ")
}

func TestUpstreamParserPositions(t *testing.T) {
	a := &agreement{name: "filter_parser.ut.cpp positions"}
	for _, c := range parserPositions {
		n, err := rules.ParseCondition(c.in)
		got := ""
		if err == nil {
			got = positions(n)
		}
		a.check(t, c.in, got == c.want, nil, "%q: positions %q (%v), want %q", c.in, got, err, c.want)
	}
	a.report(t)
}

// escapeSpecs are the unescaping cases of libsinsp's escaping tests
// (userspace/libsinsp/test/filter_escaping.ut.cpp): a double-quoted value and the text it
// stands for, or "" with fail set when the escape is rejected.
var escapeSpecs = []struct {
	quoted, want string
	fail         bool
}{
	{`"\x41"`, "A", false},
	{`"\x7f"`, "\x7f", false},
	{`"\x01"`, "\x01", false},
	{`"\xff"`, "\xff", false},
	{`"\x80"`, "\x80", false},
	{`"\xAb"`, "\xab", false},
	{`"\xff\xfe"`, "\xff\xfe", false},
	{`"a\xffb"`, "a\xffb", false},
	{`"\x00"`, "\x00", false},
	{`"a\x00b"`, "a\x00b", false},
	{`"\x413"`, "A3", false},
	{`"\x"`, "", true},
	{`"\xf"`, "", true},
	{`"a\xf"`, "", true},
	{`"\xgg"`, "", true},
	{`"\xfg"`, "", true},
	{`"\x g"`, "", true},
	{`"\x-1"`, "", true},
	{`"\x+a"`, "", true},
	{`"some\\b\\f\\n\\r\\tstring"`, `some\b\f\n\r\tstring`, false},
	{`"some \"quoted string\""`, `some "quoted string"`, false},
	{`"some 'quoted string'"`, `some 'quoted string'`, false},
}

func TestUpstreamEscaping(t *testing.T) {
	a := &agreement{name: "filter_escaping.ut.cpp"}
	for _, c := range escapeSpecs {
		n, err := rules.ParseCondition("proc.name = " + c.quoted)
		got := ""
		if err == nil {
			got = n.(*rules.Check).Value.Items[0]
		}
		a.check(t, c.quoted, (err != nil) == c.fail && got == c.want, nil, "%s: got %q (%v), want %q (fail %v)", c.quoted, got, err, c.want, c.fail)
		if err == nil {
			// saker's canonical text reads back as the same value.
			back, err := rules.ParseCondition(n.String())
			if err != nil || back.(*rules.Check).Value.Items[0] != c.want {
				t.Errorf("%s: canonical %s reads back as %v (%v)", c.quoted, n, back, err)
			}
		}
	}
	a.report(t)
}
