package rules_test

import (
	"errors"
	"strings"
	"testing"

	"saker/rules"
)

func TestParseCondition(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"eq", "proc.name=bash", "proc.name = bash"},
		{"double eq", "proc.name == bash", "proc.name == bash"},
		{"precedence", "a or b and c", "(a or (b and c))"},
		{"not binds tighter than and", "not a and b", "(not a and b)"},
		{"not paren", "not(a or b)", "not (a or b)"},
		{"not not", "not not a", "not not a"},
		{"nary", "a and b and c or d or e", "((a and b and c) or d or e)"},
		{"parens kept", "a and (b and c)", "(a and (b and c))"},
		{"and paren no space", "a and(b)", "(a and b)"},
		{"in list", "proc.name in (sh, bash,'zsh' , \"my shell\")", `proc.name in (sh, bash, zsh, "my shell")`},
		{"empty list", "proc.name in ()", "proc.name in ()"},
		{"identifier list", "proc.name in bash and proc.name in(a)", "(proc.name in (bash) and proc.name in (a))"},
		{"exists", "proc.name exists and fd.name exists", "(proc.name exists and fd.name exists)"},
		{"numbers", "fd.num>=0 and evt.rawres < -1 and fd.port = 0x1F90", "(fd.num >= 0 and evt.rawres < -1 and fd.port = 0x1F90)"},
		{"string ops", "fd.name startswith /etc and fd.name endswith .conf and fd.name contains x and fd.name icontains Y",
			"(fd.name startswith /etc and fd.name endswith .conf and fd.name contains x and fd.name icontains Y)"},
		{"glob regex", `fd.name glob "/etc/*" and proc.name regex "ba(sh|d)" and proc.name iglob "B*"`,
			`(fd.name glob /etc/* and proc.name regex "ba(sh|d)" and proc.name iglob B*)`},
		{"bytes", "evt.buffer bcontains cafebabe and evt.buffer bstartswith 7f45", "(evt.buffer bcontains cafebabe and evt.buffer bstartswith 7f45)"},
		{"pmatch intersects", "fd.name pmatch (/etc, /usr/bin) and proc.aname intersects (a, b)", "(fd.name pmatch (/etc, /usr/bin) and proc.aname intersects (a, b))"},
		{"index arg", "proc.aname[2]=sshd and evt.arg[0] = x", "(proc.aname[2] = sshd and evt.arg[0] = x)"},
		{"path arg", "container.mount.dest[/var/run/docker.sock] exists", "container.mount.dest[/var/run/docker.sock] exists"},
		{"quoted arg", `container.mount.dest["/a b"] = x`, `container.mount.dest["/a b"] = x`},
		{"dotted arg name", "evt.arg.flags contains O_CREAT", "evt.arg.flags contains O_CREAT"},
		{"transformers", "tolower(basename(proc.exepath)) = bash and len(proc.args) > 3",
			"(tolower(basename(proc.exepath)) = bash and len(proc.args) > 3)"},
		{"val", "proc.name = val(proc.pname)", "proc.name = val(proc.pname)"},
		{"transformed field on the right", "tolower(proc.name) = tolower(proc.pname)", "tolower(proc.name) = tolower(proc.pname)"},
		{"modifier", "proc.name startswith anyof (a, b)", "proc.name startswith anyof (a, b)"},
		{"modifiers on equality", "proc.name == oneof (a) and proc.name != allof (a,'b c') and fd.lport = anyof (80)",
			`(proc.name == oneof (a) and proc.name != allof (a, "b c") and fd.lport = anyof (80))`},
		{"modifier empty list", "proc.name regex oneof ()", "proc.name regex oneof ()"},
		{"modifier word as value", "proc.name = anyof and proc.name contains oneof", "(proc.name = anyof and proc.name contains oneof)"},
		{"concat", `concat(proc.name, ":", fd.name) = "a:b"`, `concat(proc.name, ":", fd.name) = a:b`},
		{"join", `join(',',proc.aname) contains x`, `join(",", proc.aname) contains x`},
		{"getopt selector", `getopt(proc.argv, "ab:")[b] = x`, `getopt(proc.argv, "ab:")[b] = x`},
		{"nested calls", `len(join("-", getopt(tolower(proc.argv), 'a'))) > 1`, `len(join("-", getopt(tolower(proc.argv), "a"))) > 1`},
		{"call on right", `proc.exepath = concat("/bin/", proc.name)`, `proc.exepath = concat("/bin/", proc.name)`},
		{"transformed call on right", `proc.name = tolower(concat(proc.pname, "x"))`, `proc.name = tolower(concat(proc.pname, "x"))`},
		{"call literal escapes", `concat(proc.name, "a\tb\"") exists`, `concat(proc.name, "a\tb\"") exists`},
		{"escapes", `proc.name = "a\tb\\c\"d" and proc.name = 'it\'s' and proc.args contains "\ "`,
			`(proc.name = "a\tb\\c\"d" and proc.name = "it's" and proc.args contains \)`},
		{"hex escape", `proc.name = "\x41"`, "proc.name = A"},
		{"macro", "spawned_process and not proc.name in (a)", "(spawned_process and not proc.name in (a))"},
		{"multiline", "a\n  and\tb", "(a and b)"},
		{"keywords as prefixes", "origin and notable or andy", "((origin and notable) or andy)"},
		{"bare value with symbols", "fd.name=/a/b<c>!d", "fd.name = /a/b<c>!d"},
		{"empty string", `proc.name = ""`, `proc.name = ""`},
		{"dir", "evt.dir = < and evt.dir=>", "(evt.dir = < and evt.dir = >)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, err := rules.ParseCondition(tc.in)
			if err != nil {
				t.Fatalf("parse %q: %v", tc.in, err)
			}
			if got := n.String(); got != tc.want {
				t.Errorf("parse %q:\n got %s\nwant %s", tc.in, got, tc.want)
			}
			n2, err := rules.ParseCondition(n.String())
			if err != nil {
				t.Fatalf("reparse %q: %v", n.String(), err)
			}
			if n2.String() != n.String() {
				t.Errorf("round trip: %s -> %s", n.String(), n2.String())
			}
		})
	}
}

func TestParseConditionErrors(t *testing.T) {
	tests := []struct {
		name, in string
		off      int
		msg      string
	}{
		{"empty", "  ", 2, "empty condition"},
		{"missing operator", "proc.name bash", 10, "expected an operator after proc.name"},
		{"unclosed paren", "(a and b", 8, "expected ')'"},
		{"dangling and", "a and", 5, "expected a check"},
		{"trailing", "a b", 2, "unexpected"},
		{"in needs list", "proc.name in /bin/bash", 13, "expected a list"},
		{"bad escape", `proc.name = "\q"`, 13, "unsupported escape sequence"},
		{"unterminated string", `proc.name = "abc`, 12, "unterminated string"},
		{"unknown transformer", "upper(proc.name) = x", 0, `unknown transformer "upper"`},
		{"call bare literal", "concat(proc.name, x) = y", 18, "expected a field"},
		{"call unclosed", `concat(proc.name, "x" = y`, 22, "expected ',' or ')' in arguments of concat"},
		{"call empty", "join() = y", 5, "expected a field"},
		{"val of call", `proc.name = val(concat(proc.name, "x"))`, 16, "val() takes a plain field"},
		{"modifier after order op", "fd.num < anyof (1)", 9, "expected a number"},
		{"missing value", "proc.name = ", 12, "expected a value"},
		{"list syntax", "proc.name in (a b)", 16, "expected ',' or ')'"},
		{"unterminated arg", "proc.aname[2 = x", 12, "expected ']' after field argument"},
		{"deep", strings.Repeat("(", 101) + "a" + strings.Repeat(")", 101), 100, "nested deeper than 100"},
		{"deep not", strings.Repeat("not ", 101) + "a", 400, "nested deeper than 100"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := rules.ParseCondition(tc.in)
			var se *rules.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("parse %q: got %v, want a syntax error", tc.in, err)
			}
			if se.Off != tc.off || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("parse %q: got offset %d %q, want %d %q", tc.in, se.Off, se.Msg, tc.off, tc.msg)
			}
		})
	}
}

func TestParseNestingAtLimit(t *testing.T) {
	in := strings.Repeat("(", 100) + "a" + strings.Repeat(")", 100)
	if _, err := rules.ParseCondition(in); err != nil {
		t.Fatalf("100 levels: %v", err)
	}
}
