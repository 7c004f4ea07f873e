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

var parserSpecs = []parserSpec{
	// recursion_depth_limit
	{strings.Repeat("(", 100000), reject},
	{"((((((((((a))))))))))", accept},
	// parse_shared_field_arg_exceptions
	{"evt.arg[] = value", reject},
	{"evt.arg[\"x\" = value", reject},
	{"getopt(proc.args, \"nt:\")[] = value", reject},
	{"getopt(proc.args, \"nt:\")[\"t\" = value", reject},
	// parse_smoke_test
	{"  a", accept},
	{"(a)", accept},
	{"a and b", accept},
	{"a and b and c", accept},
	{"a and b and(c)", accept},
	{"(a)and(b)and(c)", accept},
	{"(a and b)", accept},
	{"a or b", accept},
	{"a or b or c", accept},
	{"a or b or(c)", accept},
	{"(a)or(b)or(c)", accept},
	{"(a or b)", accept},
	{"(a.a exists and b)", accept},
	{"(a.a exists) and (b)", accept},
	{"a.a exists and b", accept},
	{"a.a=1 or b.b=2 and c", accept},
	{"not (a)", accept},
	{"not(a)", accept},
	{"not (not (a))", accept},
	{"not (a.b=1)", accept},
	{"not (a.a exists)", accept},
	{"not a", accept},
	{"a.b = 1 and not a", accept},
	{"not not a", accept},
	{"(not not a)", accept},
	{"not not(a)", accept},
	{"not(not(a))", accept},
	{"not(a)and(not(b))", accept},
	{"not a.b=1", accept},
	{"not a.a exists", accept},
	{"a.b = bla", accept},
	{"a.b = 'bla'", accept},
	{"a.b = not", accept},
	{"a.b contains bla", accept},
	{"a.b icontains 'bla'", accept},
	{"a.g in (1, 'a', b)", accept},
	{"fd.name=*.log", accept},
	{"a.g in (1, 'a', b.c)", accept},
	{"a.b = a.a", accept},
	{"a and notb", accept},
	{"a or notb", accept},
	{"notz and a and b", accept},
	{"macro and not_macro", accept},
	{"macro and not not_macro", accept},
	{"macro and not(not_macro)", accept},
	{"((macro) and (not_macro))", accept},
	{"macro and and_macro", accept},
	{"((macro) and (and_macro))", accept},
	{"macro and or_macro", accept},
	{"((macro) and (or_macro))", accept},
	{"evt.arg[0] contains /bin", accept},
	{"evt.arg[a] contains /bin", accept},
	{"a andb", reject},
	{"aand b", reject},
	{"a and b and", reject},
	{"a and b or", reject},
	{"a and b not", reject},
	{"and a", reject},
	{"or a", reject},
	{"a or b and", reject},
	{"a or b or", reject},
	{"a or b not", reject},
	{"a not b and", reject},
	{"a not b or", reject},
	{"a not b not", reject},
	{"a orb", reject},
	{"aor b", reject},
	{"a and or b", reject},
	{"a andor b", reject},
	{"a not b", reject},
	{"a notb", reject},
	{"anot b", reject},
	{"a andnot b", reject},
	{"a andnotb", reject},
	{"(a)andnot(b)", reject},
	{"a ornot b", reject},
	{"a ornotb", reject},
	{"(a)ornot(b)", reject},
	{"evt.arg[] contains /bin", reject},
	{"a.b = b = 1", reject},
	{"(a.b = 1", reject},
	{"a.a invalidoperator xxx", reject},
	{"macro > 12", reject},
	{"a.g in ( 1 ,, , b)", reject},
	{"#a and b; a and b", reject},
	{"#a and b; # ; ; a and b", reject},
	{"fd.name=/var/lo);g/httpd.log", reject},
	// parse_str
	{"test.str = testval", accept},
	{"test.str = 0a!@#456:/\\.;!$%^&*[]{}|", accept},
	{"test.str = \"\"", accept},
	{"test.str = ''", accept},
	{"test.str = \"0a!@#456:/.; !$%^&*[]{}|\"", accept},
	{"test.str = \"test value\"", accept},
	{"test.str = 'test value'", accept},
	{"test.str[0a!@#456:/\\.;!$%^&*(){}|] = testval", accept},
	{"test.str[aaaa1] = a", accept},
	{"test.str[1234] = a", accept},
	{"test.str[+0.25e+10] = a", accept},
	{"test.str[\"\"] = empty", accept},
	{"test.str['a aa'] = a", accept},
	{"test.str[\"test \\\"with\\\"escaping\"] = a", accept},
	{"test.str = \"escape double quote \\\" \"", accept},
	{"test.str = \"escape double quote \\\" \"", accept},
	{"test.str = 'escape single quote \\' '", accept},
	{"test.str = 'multiple escape single quote \\' \\\\''", accept},
	{"test.str = 'mixed \"'", accept},
	{"test.str = \"mixed '\"", accept},
	{"test.str = \"bad escape \\ \" ", acceptExact},
	{"test.str = a,", reject},
	{"test.str = a=", reject},
	{"test.str = a('\")", reject},
	{"test.str = '", reject},
	{"test.str = \"", reject},
	{"test.str = '\"", reject},
	{"test.str = \"'", reject},
	{"test.str = missing start quote", reject},
	{"test.str = 'missing end quote", reject},
	{"test.str = \"broken escape double quote\"\"", reject},
	{"test.str = 'broken escape single quote''", reject},
	{"test.str = \"mixed \\'\"", reject},
	{"test.str = 'mixed \\\"'", reject},
	{"test.str[0a!@#456:/\\.;!$%^&*[]{}] = testval", reject},
	{"test.str[] = testval", reject},
	{"test.str[[] = testval", reject},
	{"test.str[]] = testval", reject},
	{"test.str['''] = a", reject},
	{"test.str[aaa\"] = a", reject},
	{"test.str[   test   ] = testval", reject},
	{"test.str[ = testval", reject},
	{"test.str] = testval", reject},
	// parse_numbers
	{"test.num > 1000", accept},
	{"test.num < +1", accept},
	{"test.num >= -1", accept},
	{"test.num <= 0x12345", accept},
	{"test.num <= 0XaB00AB", accept},
	{"test.num > 1.2", accept},
	{"test.num < -1.2", accept},
	{"test.num > -0.1222e+10", accept},
	{"test.str = !0.1222e+10", accept},
	{"test.str = 0xAAA.1", accept},
	{"test.str = 0aaaaa", accept},
	{"test.str = a", accept},
	{"test.num > !0.1222e+10", reject},
	{"test.num < 0xAAA.1", reject},
	{"test.num >= 0aaaaa", reject},
	{"test.num <= a", reject},
	// parse_lists
	{"test.list in ()", accept},
	{"test.list in (a)", accept},
	{"test.list in ('single-quoted')", accept},
	{"test.list in (\"double-quoted\")", accept},
	{"test.list in (0a!@#456:/\\.;!$%^&*[]{}|)", accept},
	{"test.list in (0a!@#456:/\\.;!$%^&*[]{}|, value)", accept},
	{"test.list in (value, \"value\", 'value')", accept},
	{"test.list in (value)", accept},
	{"test.list intersects (value)", accept},
	{"test.list pmatch (value)", accept},
	{"test.list in (", reject},
	{"test.list in )", reject},
	{"test.list in (value,)", reject},
	{"test.list in (value,,)", reject},
	{"test.list in (,)", reject},
	{"test.list in (,   ,)", reject},
	{"test.list > (value)", reject},
	{"test.list = (value)", reject},
	{"test.list < (value)", reject},
	{"test.list startswith (value)", reject},
	{"test.list bstartswith (value)", reject},
	{"test.list contains (value)", reject},
	{"test.list icontains (value)", reject},
	// parse_operators
	{"test.op exists and macro", accept},
	{"test.op exists", accept},
	{"test.op = value", accept},
	{"test.op =value", accept},
	{"test.op == value", accept},
	{"test.op ==value", accept},
	{"test.op != value", accept},
	{"test.op !=value", accept},
	{"test.op glob value", accept},
	{"test.op iglob value", accept},
	{"test.op contains value", accept},
	{"test.op icontains value", accept},
	{"test.op bcontains 48545450", accept},
	{"test.op startswith value", accept},
	{"test.op bstartswith 12ab001fc5", accept},
	{"test.op endswith value", accept},
	{"test.op > 1", accept},
	{"test.op >1", accept},
	{"test.op < 1", accept},
	{"test.op <1", accept},
	{"test.op >= 1", accept},
	{"test.op >=1", accept},
	{"test.op <= 1", accept},
	{"test.op <=1", accept},
	{"test.op in ()", accept},
	{"test.op in()", accept},
	{"test.op intersects ()", accept},
	{"test.op intersects()", accept},
	{"test.op pmatch ()", accept},
	{"test.op pmatch()", accept},
	{"test.op existsand macro", accept},
	{"test.op ExIsTs", reject},
	{"test.op exists something", reject},
	{"test.op ===", reject},
	{"test.op === value", reject},
	{"test.op !==", reject},
	{"test.op !== value", reject},
	{"test.op startswithvalue", reject},
	{"test.op bstartswithvalue", reject},
	{"test.op endswithvalue", reject},
	{"test.op containsvalue", reject},
	{"test.op icontainsvalue", reject},
	{"test.op bcontainsvalue", reject},
	{"test.op globvalue", reject},
	{"test.op iglobvalue", reject},
	{"test.op >", reject},
	{"test.op <", reject},
	{"test.op >=", reject},
	{"test.op <=", reject},
	{"test.op in", reject},
	{"test.op intersects", reject},
	{"test.op pmatch", reject},
	// parse_transformers_left_hand
	{"tolower(test.field) exists", accept},
	{"toupper(test.field) exists", accept},
	{"b64(test.field) exists", accept},
	{"b64(test.field) exists", accept},
	{"b64(test.field) = value", accept},
	{"b64(test.field) == value", accept},
	{"b64(test.field) != value", accept},
	{"b64(test.field) glob value", accept},
	{"(b64(test.field) exists)", accept},
	{"b64(test.field) exists and b64(test.field) contains 'a'", accept},
	{"b64(test.field) exists or b64(test.field) contains 'a'", accept},
	{"not b64(test.field) exists or b64(test.field) contains 'a'", accept},
	{"b64(test.field) exists or not b64(test.field) contains 'a'", accept},
	{"b64(test.field) exists or (b64(test.field) contains 'a')", accept},
	{"not (b64(test.field) exists or b64(test.field) contains 'a')", accept},
	{"b64(toupper(test.field)) exists", accept},
	{"toupper(b64(test.field)) exists", accept},
	{"b64( test.field) exists", accept},
	{"b64(test.field ) exists", accept},
	{"b64(test.field)  exists", accept},
	{"b64(b64(test.field)) exists", accept},
	{"b64( b64(test.field)) exists", accept},
	{"b64(b64( test.field)) exists", accept},
	{"b64(b64(test.field )) exists", accept},
	{"b64(b64(test.field) ) exists", accept},
	{"b64(b64(test.field))  exists", accept},
	{"val(test.field) exists", reject},
	{"val(val(test.field)) exists", reject},
	{"val(b64(test.field)) exists", reject},
	{"b64(val(test.field)) exists", reject},
	{"b64(test.field [1]) exists", reject},
	{"some_fake_transformer(test.field) exists", reject},
	{"some_fake_transformer (test.field) exists", reject},
	{"some.fake.transformer(test.field) exists", reject},
	{"b64 (test.field) exists", reject},
	{"b64,(test.field) exists", reject},
	{"b64(testfield)) exists", reject},
	{"b64(test_field)) exists", reject},
	{"b64(b64)) exists", reject},
	{"b64\n(test.field) exists", reject},
	{"b64(test.field exists", reject},
	{"test.field) exists", reject},
	{"b64(b64(test.field exists", reject},
	{"b64(b64(test.field) exists", reject},
	{"b64(test.field)) exists", reject},
	{"(test.field) exists", reject},
	{"(test.field exists", reject},
	{"test.field) exists", reject},
	{"a(test.field) exists", reject},
	{"aaaa(test.field) exists", reject},
	{"a(b(test.field)) exists", reject},
	// parse_transformers_right_hand
	{"some.field = test.field", accept},
	{"some.field = val(test.field)", accept},
	{"some.field = tolower(test.field)", accept},
	{"some.field = toupper(test.field)", accept},
	{"some.field = b64(test.field)", accept},
	{"some.field = val(test.field)", accept},
	{"some.field = b64(test.field)", accept},
	{"some.field == val(test.field)", accept},
	{"some.field == b64(test.field)", accept},
	{"some.field != val(test.field)", accept},
	{"some.field != b64(test.field)", accept},
	{"some.field glob val(test.field)", accept},
	{"some.field glob b64(test.field)", accept},
	{"some.field iglob val(test.field)", accept},
	{"some.field iglob b64(test.field)", accept},
	{"some.field contains val(test.field)", accept},
	{"some.field contains b64(test.field)", accept},
	{"some.field icontains val(test.field)", accept},
	{"some.field icontains b64(test.field)", accept},
	{"some.field bcontains val(test.field)", accept},
	{"some.field bcontains b64(test.field)", accept},
	{"some.field startswith val(test.field)", accept},
	{"some.field startswith b64(test.field)", accept},
	{"some.field bstartswith val(test.field)", accept},
	{"some.field bstartswith b64(test.field)", accept},
	{"some.field endswith val(test.field)", accept},
	{"some.field endswith b64(test.field)", accept},
	{"some.field > val(test.field)", accept},
	{"some.field > b64(test.field)", accept},
	{"some.field < val(test.field)", accept},
	{"some.field < b64(test.field)", accept},
	{"some.field >= val(test.field)", accept},
	{"some.field >= b64(test.field)", accept},
	{"some.field <= val(test.field)", accept},
	{"some.field <= b64(test.field)", accept},
	{"some.field in val(test.field)", accept},
	{"some.field in b64(test.field)", accept},
	{"some.field intersects val(test.field)", accept},
	{"some.field intersects b64(test.field)", accept},
	{"some.field pmatch val(test.field)", accept},
	{"some.field pmatch b64(test.field)", accept},
	{"(some.field = b64(test.field))", accept},
	{"some.field = b64(test.field) and some.field contains b64(test.field)", accept},
	{"some.field = b64(test.field) or some.field contains b64(test.field)", accept},
	{"not some.field = b64(test.field) or some.field contains b64(test.field)", accept},
	{"some.field = b64(test.field) or not some.field contains b64(test.field)", accept},
	{"some.field = b64(test.field) or (some.field contains b64(test.field))", accept},
	{"not (some.field = b64(test.field) or some.field contains b64(test.field))", accept},
	{"some.field = b64(toupper(test.field))", accept},
	{"some.field = toupper(b64(test.field))", accept},
	{"some.field = b64( test.field)", accept},
	{"some.field = b64(test.field )", accept},
	{"some.field = b64(test.field)", accept},
	{"some.field = b64(b64(test.field))", accept},
	{"some.field = b64( b64(test.field))", accept},
	{"some.field = b64(b64( test.field))", accept},
	{"some.field = b64(b64(test.field ))", accept},
	{"some.field = b64(b64(test.field) )", accept},
	{"tolower(some.field) = b64(test.field)", accept},
	{"tolower(some.field) = b64(test.field) or tolower(other.field) = tolower(anoter.field)", accept},
	{"some.field = b64and(some_macro)", reject},
	{"some.field = b64or(some_macro)", reject},
	{"some.field = b64 and(some_macro)", accept},
	{"some.field = b64 or(some_macro)", accept},
	{"some.field = 'some_fake_transformer(some_macro)'", accept},
	{"some.field = \"some_fake_transformer(some_macro)\"", accept},
	{"some.field = val(test.field [1])", reject},
	{"some.field = some_fake_transformer(test.field)", reject},
	{"some.field = some_fake_transformer (test.field)", reject},
	{"some.field = some.fake.transformer(test.field)", reject},
	{"some.field = val(val(test.field))", reject},
	{"some.field = val(toupper(test.field))", reject},
	{"some.field = b64(val(test.field))", reject},
	{"some.field = b64 (test.field)", reject},
	{"some.field = b64,(test.field)", reject},
	{"some.field = (b64(test.field))", reject},
	{"some.field = (b64(test.field)", reject},
	{"some.field = (b64(test.field", reject},
	{"some.field = b64(test.field))", reject},
	{"some.field = b64(testfield))", reject},
	{"some.field = b64(test_field))", reject},
	{"some.field = b64(b64))", reject},
	{"some.field = ((b64(test.field)))", reject},
	{"some.field = b64\n(test.field)", reject},
	{"some.field = b64(test.field", reject},
	{"some.field = test.field)", reject},
	{"some.field = b64(b64(test.field", reject},
	{"some.field = b64(b64(test.field)", reject},
	{"some.field = b64(test.field))", reject},
	{"some.field = (test.field)", reject},
	{"some.field = (test.field", reject},
	{"some.field = test.field)", reject},
	{"some.field = a(test.field)", reject},
	{"some.field = aaaa(test.field)", reject},
	{"some.field = a(b(test.field))", reject},
	{"some.field in (b64(test.field))", reject},
	{"some.field in (a, b64(test.field))", reject},
	{"some.field in (a, b, b64(test.field))", reject},
	// parse_position_info
	{"a and b", acceptExact},
	{"a and b    ", acceptExact},
	{"not b", acceptExact},
	{"not b    ", acceptExact},
	{"a    ", acceptExact},
	{"a \n and \n  b", acceptExact},
	{"a \n and \n not \n b", acceptExact},
	// parse_transformer_list_basic
	{"join(\"-\", (fd.name, fd.directory)) = /tmp/test", accept},
	{"join(\",\", (proc.name, proc.pid)) = \"myproc,123\"", accept},
	{"join(\":\", (evt.type, evt.dir)) contains connect", accept},
	{"join('-', (fd.name, fd.directory)) = /tmp/test", accept},
	{"join('-->', (fd.name, fd.directory)) = /tmp/test", accept},
	{"join(\"-\", (fd.name)) = /tmp/test", accept},
	{"join(\"-\", (fd.name, fd.directory, proc.name, proc.pid)) = test", accept},
	// parse_transformer_list_nested_transformers
	{"join(\"-\", (tolower(fd.name), fd.directory)) = /tmp/test", accept},
	{"join(\"-\", (toupper(fd.name), b64(fd.directory))) = /tmp/test", accept},
	{"join(\"-\", (tolower(toupper(fd.name)), fd.directory)) = /tmp/test", accept},
	{"join(\"-\", (tolower(fd.name), toupper(fd.directory))) = /tmp/test", accept},
	// parse_transformer_list_with_values
	{"join(\"-\", (\"aaa\", \"bbb\")) = aaa-bbb", accept},
	{"join(\"-\", ('aaa', 'bbb')) = aaa-bbb", accept},
	{"join(\"-\", (fd.name, \"literal\")) = /tmp-literal", accept},
	{"join(\"-\", (\"prefix\", fd.name, \"suffix\")) = prefix-/tmp-suffix", accept},
	{"join(\"-\", (proc.pid, 123)) contains 123", accept},
	// parse_transformer_list_with_operators
	{"join(\"-\", (fd.name, fd.directory)) exists", accept},
	{"join(\"-\", (fd.name, fd.directory)) = value", accept},
	{"join(\"-\", (fd.name, fd.directory)) == value", accept},
	{"join(\"-\", (fd.name, fd.directory)) != value", accept},
	{"join(\"-\", (fd.name, fd.directory)) contains value", accept},
	{"join(\"-\", (fd.name, fd.directory)) startswith value", accept},
	{"join(\"-\", (fd.name, fd.directory)) endswith value", accept},
	{"join(\"-\", (fd.name, fd.directory)) glob value*", accept},
	{"join(\"-\", (fd.name, fd.directory)) in (a, b, c)", accept},
	// parse_transformer_list_in_expressions
	{"join(\"-\", (fd.name, fd.directory)) = /tmp and proc.name = cat", accept},
	{"join(\"-\", (fd.name, fd.directory)) = /tmp or proc.name = cat", accept},
	{"not join(\"-\", (fd.name, fd.directory)) = /tmp", accept},
	{"(join(\"-\", (fd.name, fd.directory)) = /tmp)", accept},
	{"proc.name = cat and join(\"-\", (fd.name, fd.directory)) = /tmp", accept},
	{"join(\"-\", (fd.name, fd.directory)) = /tmp and join(\":\", (proc.name, proc.pid)) = cat:123", accept},
	// parse_transformer_list_right_hand
	{"evt.type = tolower(join(\"-\", (fd.name, fd.directory)))", accept},
	{"evt.type = b64(join(\"-\", (fd.name, fd.directory)))", accept},
	// parse_transformer_list_with_outer_transformer
	{"toupper(join(\"-\", (fd.name, fd.directory))) = VALUE", accept},
	{"tolower(join(\"-\", (fd.name, fd.directory))) = value", accept},
	{"b64(join(\"-\", (fd.name, fd.directory))) = value", accept},
	{"len(join(\"-\", (fd.name, fd.directory))) = 10", accept},
	{"basename(join(\"/\", (fd.name, fd.directory))) = value", accept},
	{"toupper(tolower(join(\"-\", (fd.name, fd.directory)))) = VALUE", accept},
	{"b64(toupper(join(\"-\", (fd.name, fd.directory)))) = VALUE", accept},
	{"len(toupper(join(\"-\", (fd.name, fd.directory)))) = 10", accept},
	{"toupper(join(\"-\", (fd.name, fd.directory))) contains VALUE", accept},
	{"toupper(join(\"-\", (fd.name, fd.directory))) startswith VALUE", accept},
	{"len(join(\"-\", (fd.name, fd.directory))) > 5", accept},
	{"len(join(\"-\", (fd.name, fd.directory))) >= 5", accept},
	{"toupper(join(\"-\", (fd.name, fd.directory))) = VALUE and proc.name = cat", accept},
	{"not toupper(join(\"-\", (fd.name, fd.directory))) = VALUE", accept},
	// parse_transformer_list_with_spaces
	{"join(\"-\", ( fd.name, fd.directory )) = /tmp", accept},
	{"join(\"-\", (fd.name , fd.directory)) = /tmp", accept},
	{"join(\"-\", ( fd.name , fd.directory )) = /tmp", accept},
	{"join( \"-\", (fd.name, fd.directory)) = /tmp", accept},
	{"join(\"-\" , (fd.name, fd.directory)) = /tmp", accept},
	// parse_transformer_list_empty
	{"join(\"-\", ()) = /tmp", accept},
	// parse_transformer_list_invalid
	{"join(\"-\", (fd.name, fd.directory) = /tmp", reject},
	{"join(\"-\", fd.name, fd.directory)) = /tmp", reject},
	{"join(\"-\", (,)) = /tmp", reject},
	{"join(\"-\", (,fd.name)) = /tmp", reject},
	{"join(\"-\", (fd.name,)) = /tmp", reject},
	{"join(\"-\", (fd.name,,fd.directory)) = /tmp", reject},
	{"join(\"-\", ((fd.name))) = /tmp", reject},
	{"join(\"-\", (macro)) = /tmp", reject},
	{"join(\"-\", (barestring)) = /tmp", reject},
	// parse_str_op_modifier_accept
	{"proc.name == oneof (cat, nginx)", accept},
	{"proc.name == anyof (cat, nginx)", accept},
	{"proc.name == allof (cat, nginx)", accept},
	{"proc.name = oneof (cat, nginx)", accept},
	{"proc.name = anyof (cat, nginx)", accept},
	{"proc.name = allof (cat, nginx)", accept},
	{"proc.name != oneof (cat, nginx)", accept},
	{"proc.name != anyof (cat, nginx)", accept},
	{"proc.name != allof (cat, nginx)", accept},
	{"proc.name == oneof (cat)", accept},
	{"proc.name == oneof ()", accept},
	{"proc.name == oneof (cat, nginx, apache, httpd)", accept},
	{"proc.name == oneof ('single-quoted')", accept},
	{"proc.name == oneof (\"double-quoted\")", accept},
	{"proc.name == oneof ('cat', \"nginx\", bare)", accept},
	{"proc.exepath == oneof (/usr/bin/bash, /bin/sh, /usr/sbin/sshd)", accept},
	{"fd.name == oneof (/var/log/auth.log, /etc/passwd)", accept},
	{"proc.name == oneof allowed_processes", accept},
	{"proc.name != allof my_list", accept},
	{"proc.name == oneof oneof", accept},
	{"proc.name == anyof anyof", accept},
	{"evt.arg[0] == oneof (connect, accept)", accept},
	{"proc.aname[2] != oneof (bash, sh)", accept},
	{"tolower(proc.name) == oneof (cat, nginx)", accept},
	{"toupper(fd.name) != anyof (/TMP/A, /TMP/B)", accept},
	{"b64(proc.cmdline) == allof (\"dGVzdA==\")", accept},
	{"proc.name == 'oneof'", accept},
	{"proc.name == \"anyof\"", accept},
	{"proc.name == oneof", accept},
	{"proc.name == anyof", accept},
	{"proc.name == allof", accept},
	{"proc.name == oneof_something", accept},
	{"proc.name == anyof_extra", accept},
	{"proc.name == oneof (cat, nginx) and fd.name exists", accept},
	{"proc.name == oneof (cat, nginx) or fd.name exists", accept},
	{"not proc.name == oneof (cat, nginx)", accept},
	{"(proc.name == oneof (cat, nginx))", accept},
	{"proc.name == oneof (cat) and proc.name == anyof (nginx, apache)", accept},
	{"proc.name == oneof (cat) or proc.name != allof (nginx)", accept},
	{"proc.name == anyof and fd.name exists", accept},
	{"proc.name == oneof or fd.name exists", accept},
	{"proc.name == allof and fd.name exists", accept},
	{"proc.name == anyof and proc.name == allof", accept},
	{"proc.name == oneof and proc.name == anyof (cat)", accept},
	{"(proc.name == oneof)", accept},
	{"(proc.name == anyof) and fd.name exists", accept},
	{"(proc.name == allof) or (proc.name == oneof)", accept},
	{"proc.name contains oneof (cat, nginx)", accept},
	{"proc.name contains anyof (cat, nginx)", accept},
	{"proc.name contains allof (cat)", accept},
	{"proc.name startswith oneof (/proc/, /sys/)", accept},
	{"proc.name startswith anyof (/proc/, /sys/)", accept},
	{"proc.name endswith allof (.so, .so.1)", accept},
	{"proc.name glob oneof (cat*, *dog)", accept},
	{"proc.name glob anyof (cat*, *nginx*)", accept},
	{"proc.name iglob allof (cat*)", accept},
	{"proc.name icontains anyof (cat, nginx)", accept},
	{"proc.name != oneof (a) and proc.name contains anyof (x, y)", accept},
	// parse_str_op_modifier_reject
	{"proc.name == oneof (cat,)", reject},
	{"proc.name == oneof (cat,,nginx)", reject},
	{"proc.name == oneof (,cat)", reject},
	{"proc.name == oneof (cat, nginx", reject},
	{"proc.name ==oneof (cat, nginx)", reject},
	{"proc.name !=anyof (cat, nginx)", reject},
	{"proc.name =allof (cat, nginx)", reject},
	{"proc.name ==oneof(cat, nginx)", reject},
	{"proc.name == oneof(cat, nginx)", reject},
	{"proc.name == anyof(cat, nginx)", reject},
	{"proc.name == allof(cat)", reject},
	{"proc.name == ONEOF (cat)", reject},
	{"proc.name == Anyof (cat)", reject},
	{"proc.name == ALLOF (cat)", reject},
	{"proc.num > oneof (1, 2)", reject},
	{"proc.num <= anyof (1, 2)", reject},
	{"proc.name contains oneof(cat, nginx)", reject},
	{"proc.name startswith anyof(cat)", reject},
	{"proc.name endswith allof(.so)", reject},
	{"proc.name contains ONEOF (cat)", reject},
	{"proc.name startswith Anyof (cat)", reject},
	{"proc.name endswith ALLOF (.so)", reject},
	{"proc.name == oneof_something (cat)", reject},
	{"proc.name startswith oneof_something (cat)", reject},
	{"proc.name contains anyof_extra (cat, nginx)", reject},
	{"proc.name in oneof (cat)", reject},
	{"proc.name intersects anyof (cat)", reject},
	{"proc.name pmatch allof (cat)", reject},
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
func (a *agreement) check(t *testing.T, key string, ok bool, reason string, differences map[string]string, format string, args ...any) {
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
			a.check(t, in, (err == nil) == want, "", parserDifferences, "%q: libsinsp %s it, saker says %v", in, map[bool]string{true: "accepts", false: "rejects"}[want], err)
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
		a.check(t, c.in, err == nil && got == c.want, "", treeDifferences, "%q: got %q (%v), want %q", c.in, got, err, c.want)
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
		a.check(t, c.in, got == c.want, "", nil, "%q: positions %q (%v), want %q", c.in, got, err, c.want)
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
		a.check(t, c.quoted, (err != nil) == c.fail && got == c.want, "", nil, "%s: got %q (%v), want %q (fail %v)", c.quoted, got, err, c.want, c.fail)
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
