package rules_test

import (
	"errors"
	"fmt"
	"net/netip"
	"testing"

	"saker/rules"
)

// Falco's operator, modifier and transformer tests as saker's specification of what checks
// mean: every condition libsinsp's tests evaluate (falcosecurity/libs 48dfd53,
// userspace/libsinsp/test/filter_op_*.ut.cpp, filterchecks/cmp_operator_modifiers.cpp,
// filter_transformer.ut.cpp), on field values as the test's event holds them. What
// extracts those values from real events is the analyzer's business (analyze/fields_*.go);
// here the fields are set directly. Each condition must hold or fail as in libsinsp, in
// saker's compiled engine and in the naive evaluator alike, or fail to compile where
// libsinsp throws.

type opOutcome int

const (
	holds opOutcome = iota
	fails
	compileError
	compiles
)

var opSpecs = []struct {
	event, cond string
	want        opOutcome
}{
	// bytebuf_bcontains_bstartswith
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains", compileError},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains 2", compileError},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains 2g", compileError},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains 68656c6c6f", holds},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains 656c6C", holds},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains 20", fails},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bcontains 656c6cAA", fails},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith", compileError},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 2", compileError},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 2g", compileError},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 68", holds},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 68656c6c6f", holds},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 65", fails},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 656c6C", fails},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 20", fails},
	{"bytebuf_bcontains_bstartswith", "evt.buffer bstartswith 656c6cAA", fails},
	// bytebuf_matches_nul
	{"bytebuf_matches_nul", "evt.buffer = \"a\\x00b\"", holds},
	{"bytebuf_matches_nul", "evt.buffer = \"ab\"", fails},
	{"bytebuf_matches_nul", "evt.buffer bcontains 610062", holds},
	{"bytebuf_matches_nul", "evt.buffer bcontains 610162", fails},
	{"bytebuf_matches_nul", "evt.buffer bstartswith 6100", holds},
	{"bytebuf_matches_nul", "evt.buffer bstartswith 6101", fails},
	// contains_icontains
	{"contains_icontains", "evt.arg.flags contains O_CREAT", holds},
	{"contains_icontains", "evt.arg.flags contains O_TMPFILE", fails},
	{"contains_icontains", "evt.arg.flags icontains O_CREAT", holds},
	{"contains_icontains", "fd.name contains /dir", holds},
	{"contains_icontains", "fd.name icontains /subdir", holds},
	{"contains_icontains", "fd.name icontains notthis", fails},
	// net_ipv4_compare
	{"net_ipv4_compare", "fd.ip == 142.251.111.147", holds},
	{"net_ipv4_compare", "fd.sip == 142.251.111.147", holds},
	{"net_ipv4_compare", "fd.lip == 142.251.111.147", holds},
	{"net_ipv4_compare", "fd.rip == 172.40.111.222", holds},
	{"net_ipv4_compare", "fd.cip == 172.40.111.222", holds},
	{"net_ipv4_compare", "fd.ip != 142.251.111.147", fails},
	{"net_ipv4_compare", "fd.sip != 0:0:0:0:0:0:0:1", holds},
	{"net_ipv4_compare", "fd.sip == '0:0:0:0:0:0:0:1'", fails},
	{"net_ipv4_compare", "fd.net == 142.0.0.0/4", holds},
	{"net_ipv4_compare", "fd.net == 142.251.0.0/8", holds},
	{"net_ipv4_compare", "fd.net == 142.251.111.0/16", holds},
	{"net_ipv4_compare", "fd.net != 10.0.0.0/8", holds},
	{"net_ipv4_compare", "fd.net != 2001:db8:abcd:0012::0/64", holds},
	{"net_ipv4_compare", "fd.net == 10.0.0.0/8", fails},
	{"net_ipv4_compare", "fd.net == 2001:db8:abcd:0012::0/64", fails},
	// net_modifier_ip_compare
	{"net_modifier_ip_compare", "fd.sip == anyof (142.251.111.147)", holds},
	{"net_modifier_ip_compare", "fd.sip == anyof (10.0.0.1, 142.251.111.147)", holds},
	{"net_modifier_ip_compare", "fd.sip == anyof (10.0.0.1, 192.168.0.1)", fails},
	{"net_modifier_ip_compare", "fd.sip == allof (142.251.111.147)", holds},
	{"net_modifier_ip_compare", "fd.sip == allof (142.251.111.147, 10.0.0.1)", fails},
	{"net_modifier_ip_compare", "fd.sip == oneof (142.251.111.147)", holds},
	{"net_modifier_ip_compare", "fd.sip == oneof (10.0.0.1, 142.251.111.147)", holds},
	{"net_modifier_ip_compare", "fd.sip == oneof (10.0.0.1, 192.168.0.1)", fails},
	{"net_modifier_ip_compare", "fd.sip != anyof (10.0.0.1)", holds},
	{"net_modifier_ip_compare", "fd.sip != anyof (142.251.111.147)", fails},
	{"net_modifier_ip_compare", "fd.sip != allof (10.0.0.1, 192.168.0.1)", holds},
	// net_ipv6_compare
	{"net_ipv6_compare", "fd.ip == 2001:4860:4860::8888", holds},
	{"net_ipv6_compare", "fd.sip == 2001:4860:4860::8888", holds},
	{"net_ipv6_compare", "fd.lip == 2001:4860:4860::8888", holds},
	{"net_ipv6_compare", "fd.rip == ::1", holds},
	{"net_ipv6_compare", "fd.cip == ::1", holds},
	{"net_ipv6_compare", "fd.ip != 2001:4860:4860::8888", fails},
	{"net_ipv6_compare", "fd.sip != 127.0.0.1", holds},
	{"net_ipv6_compare", "fd.sip == '127.0.0.1'", fails},
	{"net_ipv6_compare", "fd.net == 2001::0/16", holds},
	{"net_ipv6_compare", "fd.net == 2001:4860::0/32", holds},
	{"net_ipv6_compare", "fd.net == 2001:4860:4860::8888/48", holds},
	{"net_ipv6_compare", "fd.net != 10::0/16", holds},
	{"net_ipv6_compare", "fd.net != 10.0.0.0/8", holds},
	{"net_ipv6_compare", "fd.net == 10.0.0.0/8", fails},
	{"net_ipv6_compare", "fd.net == 2001:db8:abcd:0012::0/64", fails},
	// signed_int_compare
	{"signed_int_compare", "evt.cpu < 300", holds},
	{"signed_int_compare", "evt.cpu > 300", fails},
	{"signed_int_compare", "evt.cpu < 2", holds},
	{"signed_int_compare", "evt.cpu > -500", holds},
	{"signed_int_compare", "evt.cpu < 500", holds},
	{"signed_int_compare", "evt.cpu <= 500", holds},
	{"signed_int_compare", "evt.cpu <= 1025", holds},
	{"signed_int_compare", "evt.cpu >= 1025", fails},
	{"signed_int_compare", "evt.rawarg.res > 0", fails},
	{"signed_int_compare", "evt.rawarg.res < 0", holds},
	{"signed_int_compare", "evt.rawarg.res > 4294967295", fails},
	{"signed_int_compare", "evt.rawarg.res < -1", holds},
	{"signed_int_compare", "evt.rawarg.res > -65535", holds},
	{"signed_int_compare", "fd.num >= 0", fails},
	{"signed_int_compare", "fd.num > 0", fails},
	{"signed_int_compare", "fd.num < 0", holds},
	{"signed_int_compare", "fd.num > 4294967295", fails},
	{"signed_int_compare", "fd.num < -1", fails},
	{"signed_int_compare", "fd.num > -65535", holds},
	// pmatch
	{"pmatch", "fd.name pmatch (/opt/dir)", holds},
	{"pmatch", "fd.name pmatch (/opt/dir/subdir)", holds},
	{"pmatch", "fd.name pmatch (/opt/dir2)", fails},
	{"pmatch", "fd.name pmatch (/opt/dir, /opt/dir2)", holds},
	{"pmatch", "fd.name pmatch (/opt/dir3, /opt/dir2)", fails},
	{"pmatch", "fd.name pmatch (/opt/*)", holds},
	{"pmatch", "fd.name pmatch (/opt/*/subdir)", holds},
	{"pmatch", "fd.name pmatch (/opt/di?/subdir)", holds},
	{"pmatch", "fd.name pmatch (/opt/dii?/subdir)", fails},
	{"pmatch", "fd.name pmatch (/opt/di[r]/subdir)", holds},
	{"pmatch", "fd.name pmatch (/opt/di[!r]/subdir)", fails},
	{"pmatch", "fd.name pmatch (/opt/di[t]/subdir)", fails},
	{"pmatch", "fd.name pmatch (/opt/di/subdir)", fails},
	{"pmatch", "fd.name pmatch (/opt/*/subdir2)", fails},
	{"pmatch", "fd.name pmatch (/opt/*/*)", holds},
	{"pmatch", "fd.name pmatch (/opt/*/*/subsubdir)", fails},
	// FILTERCHECK_MOD_eq
	{"FILTERCHECK_MOD_eq", "proc.name == oneof (myexe, bash)", holds},
	{"FILTERCHECK_MOD_eq", "proc.name == oneof (myexe)", holds},
	{"FILTERCHECK_MOD_eq", "proc.name == oneof (bash, sh)", fails},
	{"FILTERCHECK_MOD_eq", "proc.name == oneof (myexe, myexe)", fails},
	{"FILTERCHECK_MOD_eq", "proc.name == anyof (myexe, bash)", holds},
	{"FILTERCHECK_MOD_eq", "proc.name == anyof (bash, sh)", fails},
	{"FILTERCHECK_MOD_eq", "proc.name == anyof (myexe, myexe)", holds},
	{"FILTERCHECK_MOD_eq", "proc.name == allof (myexe)", holds},
	{"FILTERCHECK_MOD_eq", "proc.name == allof (myexe, bash)", fails},
	{"FILTERCHECK_MOD_eq", "proc.name == allof (bash, sh)", fails},
	{"FILTERCHECK_MOD_eq", "proc.name == allof (myexe, myexe)", holds},
	// FILTERCHECK_MOD_ne
	{"FILTERCHECK_MOD_ne", "proc.name != oneof (myexe, myexe, bash)", holds},
	{"FILTERCHECK_MOD_ne", "proc.name != oneof (myexe, myexe)", fails},
	{"FILTERCHECK_MOD_ne", "proc.name != oneof (bash, sh)", fails},
	{"FILTERCHECK_MOD_ne", "proc.name != oneof (myexe, bash)", holds},
	{"FILTERCHECK_MOD_ne", "proc.name != anyof (bash, sh)", holds},
	{"FILTERCHECK_MOD_ne", "proc.name != anyof (myexe, bash)", holds},
	{"FILTERCHECK_MOD_ne", "proc.name != allof (bash, sh)", holds},
	{"FILTERCHECK_MOD_ne", "proc.name != allof (myexe, bash)", fails},
	// FILTERCHECK_MOD_contains
	{"FILTERCHECK_MOD_contains", "proc.name contains oneof (myex, bash)", holds},
	{"FILTERCHECK_MOD_contains", "proc.name contains oneof (exe)", holds},
	{"FILTERCHECK_MOD_contains", "proc.name contains oneof (bash, sh)", fails},
	{"FILTERCHECK_MOD_contains", "proc.name contains oneof (my, exe)", fails},
	{"FILTERCHECK_MOD_contains", "proc.name contains anyof (myex, bash)", holds},
	{"FILTERCHECK_MOD_contains", "proc.name contains anyof (bash, sh)", fails},
	{"FILTERCHECK_MOD_contains", "proc.name contains anyof (my, exe)", holds},
	{"FILTERCHECK_MOD_contains", "proc.name contains allof (my, exe)", holds},
	{"FILTERCHECK_MOD_contains", "proc.name contains allof (myex, bash)", fails},
	{"FILTERCHECK_MOD_contains", "proc.name contains allof (bash, sh)", fails},
	// FILTERCHECK_MOD_icontains
	{"FILTERCHECK_MOD_icontains", "proc.name icontains oneof (MYEX, BASH)", holds},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains oneof (BASH, SH)", fails},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains oneof (MY, EXE)", fails},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains anyof (MYEX, BASH)", holds},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains anyof (BASH, SH)", fails},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains anyof (MY, EXE)", holds},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains allof (MY, EXE)", holds},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains allof (MYEX, BASH)", fails},
	{"FILTERCHECK_MOD_icontains", "proc.name icontains allof (BASH, SH)", fails},
	// FILTERCHECK_MOD_startswith
	{"FILTERCHECK_MOD_startswith", "proc.name startswith oneof (my, bash)", holds},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith oneof (bash, sh)", fails},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith oneof (my, mye)", fails},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith anyof (my, bash)", holds},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith anyof (bash, sh)", fails},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith anyof (my, mye)", holds},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith allof (my, mye)", holds},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith allof (my, bash)", fails},
	{"FILTERCHECK_MOD_startswith", "proc.name startswith allof (bash, sh)", fails},
	// FILTERCHECK_MOD_endswith
	{"FILTERCHECK_MOD_endswith", "proc.name endswith oneof (exe, sh)", holds},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith oneof (sh, bash)", fails},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith oneof (exe, yexe)", fails},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith anyof (exe, sh)", holds},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith anyof (sh, bash)", fails},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith anyof (exe, yexe)", holds},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith allof (exe, yexe)", holds},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith allof (exe, sh)", fails},
	{"FILTERCHECK_MOD_endswith", "proc.name endswith allof (sh, bash)", fails},
	// FILTERCHECK_MOD_glob
	{"FILTERCHECK_MOD_glob", "proc.name glob oneof (my*, bash)", holds},
	{"FILTERCHECK_MOD_glob", "proc.name glob oneof (bash, sh*)", fails},
	{"FILTERCHECK_MOD_glob", "proc.name glob oneof (my*, *exe)", fails},
	{"FILTERCHECK_MOD_glob", "proc.name glob anyof (my*, bash)", holds},
	{"FILTERCHECK_MOD_glob", "proc.name glob anyof (bash, sh*)", fails},
	{"FILTERCHECK_MOD_glob", "proc.name glob anyof (my*, *exe)", holds},
	{"FILTERCHECK_MOD_glob", "proc.name glob allof (my*, *exe)", holds},
	{"FILTERCHECK_MOD_glob", "proc.name glob allof (bash, sh*)", fails},
	// FILTERCHECK_MOD_iglob
	{"FILTERCHECK_MOD_iglob", "proc.name iglob oneof (MY*, BASH)", holds},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob oneof (BASH, SH*)", fails},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob oneof (MY*, *EXE)", fails},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob anyof (MY*, BASH)", holds},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob anyof (BASH, SH*)", fails},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob anyof (MY*, *EXE)", holds},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob allof (MY*, *EXE)", holds},
	{"FILTERCHECK_MOD_iglob", "proc.name iglob allof (BASH, SH*)", fails},
	// FILTERCHECK_MOD_regex
	{"FILTERCHECK_MOD_regex", "proc.name regex oneof (my.*, b.*)", holds},
	{"FILTERCHECK_MOD_regex", "proc.name regex oneof (b.*, sh.*)", fails},
	{"FILTERCHECK_MOD_regex", "proc.name regex oneof (my.*, .*exe)", fails},
	{"FILTERCHECK_MOD_regex", "proc.name regex anyof (my.*, b.*)", holds},
	{"FILTERCHECK_MOD_regex", "proc.name regex anyof (b.*, sh.*)", fails},
	{"FILTERCHECK_MOD_regex", "proc.name regex anyof (my.*, .*exe)", holds},
	{"FILTERCHECK_MOD_regex", "proc.name regex allof (my.*, .*exe)", holds},
	{"FILTERCHECK_MOD_regex", "proc.name regex allof (my.*, b.*)", fails},
	{"FILTERCHECK_MOD_regex", "proc.name regex allof (b.*, sh.*)", fails},
	// FILTERCHECK_MOD_transformer_lhs
	{"FILTERCHECK_MOD_transformer_lhs", "toupper(proc.name) == oneof (MYEXE, BASH)", holds},
	{"FILTERCHECK_MOD_transformer_lhs", "toupper(proc.name) == oneof (BASH, SH)", fails},
	{"FILTERCHECK_MOD_transformer_lhs", "toupper(proc.name) != oneof (MYEXE, BASH)", holds},
	{"FILTERCHECK_MOD_transformer_lhs", "toupper(proc.name) != oneof (BASH, SH)", fails},
	{"FILTERCHECK_MOD_transformer_lhs", "toupper(proc.name) != allof (BASH, SH)", holds},
	{"FILTERCHECK_MOD_transformer_lhs", "toupper(proc.name) != allof (MYEXE, BASH)", fails},
	// FILTERCHECK_MOD_compound
	{"FILTERCHECK_MOD_compound", "proc.name == oneof (myexe) and proc.name != allof (bash, sh)", holds},
	{"FILTERCHECK_MOD_compound", "proc.name == anyof (myexe, bash) or proc.name != oneof (myexe)", holds},
	// FILTERCHECK_MOD_empty_rhs
	{"FILTERCHECK_MOD_empty_rhs", "proc.name == oneof ()", fails},
	{"FILTERCHECK_MOD_empty_rhs", "proc.name == anyof ()", fails},
	{"FILTERCHECK_MOD_empty_rhs", "proc.name == allof ()", fails},
	{"FILTERCHECK_MOD_empty_rhs", "proc.name != oneof ()", fails},
	{"FILTERCHECK_MOD_empty_rhs", "proc.name != anyof ()", fails},
	{"FILTERCHECK_MOD_empty_rhs", "proc.name != allof ()", fails},
	// basename_transformer
	{"basename_transformer", "basename(fd.name) = file_to_run", holds},
	{"basename_transformer", "basename(fd.name) = /tmp/file_to_run", fails},
	// len_transformer
	{"len_transformer", "len(fd.types) = 1", holds},
	{"len_transformer", "len(fd.types) > 0", holds},
	{"len_transformer", "len(fd.types) = 0", fails},
	{"len_transformer", "len(fd.name) = 16", holds},
	// len_transformer, on a socket event
	{"len_transformer_socket", "len(fd.types) = 2", holds},
	{"len_transformer", "len(evt.arg.data) == 6", holds},
	// multivalue_transformer_join
	{"multivalue_transformer_join", "join(fd.name, (fd.name,fd.directory)) = /tmp/file_to_run/tmp/file_to_run/tmp", holds},
	{"multivalue_transformer_join", "join(\"-\", (fd.name,fd.directory)) = /tmp/file_to_run-/tmp", holds},
	{"multivalue_transformer_join", "join(\"-\", (\"aaa\",\"bbb\")) = aaa-bbb", holds},
	{"multivalue_transformer_join", "join(\"->\", (\"aaa\",\"bbb\")) = aaa->bbb", holds},
	{"multivalue_transformer_join", "join(\"->\", (\"aaa\")) = aaa", holds},
	{"multivalue_transformer_join", "join(\"->\", (fd.name, \"aaa\")) = /tmp/file_to_run->aaa", holds},
	{"multivalue_transformer_join", "join(\"->\", (fd.name, \"aaa\", fd.directory)) = /tmp/file_to_run->aaa->/tmp", holds},
	{"multivalue_transformer_join", "join(\"-\", (fd.directory, join(\"->\", ( \"aaa\", toupper(fd.name))))) = /tmp-aaa->/TMP/FILE_TO_RUN", holds},
	{"multivalue_transformer_join", "join(\",\", (\"aaa\",\"bbb\")) = \"aaa,bbb\"", holds},
	{"multivalue_transformer_join", "join(\",\", (\"aaa\",\"bbb\")) = \"aaa-bbb\"", fails},
	{"multivalue_transformer_join", "join(\",\", (evt.num, evt.num)) = \"1,1\"", holds},
	{"multivalue_transformer_join", "join(\",\", ()) = \"\"", holds},
	{"multivalue_transformer_join", "join(\",\", ()) = \",\"", fails},
	{"multivalue_transformer_join", "join() = foo", compileError},
	{"multivalue_transformer_join", "join(\"-\") = foo", compileError},
	{"multivalue_transformer_join", "join(\"-\", \"a\", \"b\") = foo", compileError},
	{"multivalue_transformer_join", "join(fd.types, (\"a\", \"b\")) = foo", compileError},
	{"multivalue_transformer_join", "join((\"a\", \"b\"), (\"a\", \"b\")) = foo", compileError},
	{"multivalue_transformer_join", "join((\"a\", \"b\"), \"a\") = foo", compileError},
	{"multivalue_transformer_join", "join(\"a\", \"b\") = foo", compileError},
	// multivalue_transformer_concat
	{"multivalue_transformer_concat", "concat(fd.name, fd.directory) = /tmp/file_to_run/tmp", holds},
	{"multivalue_transformer_concat", "concat(\"aaa\", \"bbb\") = aaabbb", holds},
	{"multivalue_transformer_concat", "concat(\"aaa\", \"bbb\", \"ccc\") = aaabbbccc", holds},
	{"multivalue_transformer_concat", "concat(fd.name, \"aaa\") = /tmp/file_to_runaaa", holds},
	{"multivalue_transformer_concat", "concat(toupper(fd.name), \"aaa\") = /TMP/FILE_TO_RUNaaa", holds},
	{"multivalue_transformer_concat", "concat(\"aaa\", toupper(fd.name)) = aaa/TMP/FILE_TO_RUN", holds},
	{"multivalue_transformer_concat", "concat(fd.directory, concat(\"aaa\", toupper(fd.name))) = /tmpaaa/TMP/FILE_TO_RUN", holds},
	{"multivalue_transformer_concat", "concat(\"aaa\", \"bbb\") = \"aaabbb\"", holds},
	{"multivalue_transformer_concat", "concat(\"aaa\", \"bbb\") = \"aaa-bbb\"", fails},
	{"multivalue_transformer_concat", "concat() = foo", compileError},
	{"multivalue_transformer_concat", "concat(\"aaa\") = foo", compileError},
	{"multivalue_transformer_concat", "concat(fd.types, \"a\") = foo", compileError},
	{"multivalue_transformer_concat", "concat((\"a\", \"b\"), \"a\") = foo", compileError},
	{"multivalue_transformer_concat", "concat(\"a\", (\"a\", \"b\")) = foo", compileError},
	{"multivalue_transformer_concat", "concat((\"a\", \"b\"), (\"a\", \"b\")) = foo", compileError},
	// multivalue_transformer_with_outer_transformer
	{"multivalue_transformer_with_outer_transformer", "toupper(join(\"-\", (\"aaa\", \"bbb\"))) = AAA-BBB", holds},
	{"multivalue_transformer_with_outer_transformer", "tolower(join(\"-\", (\"AAA\", \"BBB\"))) = aaa-bbb", holds},
	{"multivalue_transformer_with_outer_transformer", "len(join(\"-\", (fd.name, fd.directory))) = 21", holds},
	{"multivalue_transformer_with_outer_transformer", "len(join(\"-\", (\"aaa\", \"bbb\"))) = 7", holds},
	{"multivalue_transformer_with_outer_transformer", "join(\"-\", (\"aaa\", \"bbb\")) = \"aaa-bbb\"", holds},
	{"multivalue_transformer_with_outer_transformer", "b64(join(\"W\", (\"YWFhL\", \"JiYg\"))) = \"aaa-bbb\"", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(tolower(join(\"-\", (fd.name, fd.directory)))) = /TMP/FILE_TO_RUN-/TMP", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(join(\"-\", (fd.name, fd.directory))) contains /TMP", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(join(\"-\", (fd.name, fd.directory))) startswith /TMP", holds},
	{"multivalue_transformer_with_outer_transformer", "len(join(\"-\", (fd.name, fd.directory))) > 20", holds},
	{"multivalue_transformer_with_outer_transformer", "len(join(\"-\", (fd.name, fd.directory))) >= 21", holds},
	{"multivalue_transformer_with_outer_transformer", "len(join(\"-\", (fd.name, fd.directory))) < 22", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(concat(fd.name, fd.directory)) = /TMP/FILE_TO_RUN/TMP", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(concat(\"aaa\", \"bbb\")) = AAABBB", holds},
	{"multivalue_transformer_with_outer_transformer", "tolower(concat(fd.name, fd.directory)) = /tmp/file_to_run/tmp", holds},
	{"multivalue_transformer_with_outer_transformer", "tolower(concat(\"AAA\", \"BBB\")) = aaabbb", holds},
	{"multivalue_transformer_with_outer_transformer", "len(concat(fd.name, fd.directory)) = 20", holds},
	{"multivalue_transformer_with_outer_transformer", "len(concat(\"aaa\", \"bbb\")) = 6", holds},
	{"multivalue_transformer_with_outer_transformer", "concat(\"aaa\", \"bbb\") = \"aaabbb\"", holds},
	{"multivalue_transformer_with_outer_transformer", "b64(concat(\"YWFh\", \"YmJi\")) = \"aaabbb\"", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(concat(fd.name, fd.directory)) contains /TMP", holds},
	{"multivalue_transformer_with_outer_transformer", "toupper(concat(fd.name, fd.directory)) startswith /TMP", holds},
	{"multivalue_transformer_with_outer_transformer", "len(concat(fd.name, fd.directory)) > 19", holds},
	{"multivalue_transformer_with_outer_transformer", "len(concat(fd.name, fd.directory)) >= 20", holds},
	{"multivalue_transformer_with_outer_transformer", "len(concat(fd.name, fd.directory)) < 21", holds},
	// multivalue_transformer_getopt
	{"multivalue_transformer_getopt", "getopt((\"-n\",\"\"), \"n\") intersects (\"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"hello\"), \"t:\") intersects (\"t\", \"hello\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-thello\"), \"t:\") intersects (\"t\", \"hello\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\"), \"n\") intersects (\"t\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"--\", \"-t\"), \"nt:\") intersects (\"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"--\", \"-t\"), \"nt:\") intersects (\"t\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-x\", \"-n\"), \"n\") intersects (\"?\", \"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-x\", \"-n\"), \"n\") intersects (\"x\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-l\", \"-p\", \"8080\", \"-e\", \"/bin/sh\"), \"lp:e:\") intersects (\"l\", \"p\", \"e\", \"8080\", \"/bin/sh\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-lpe\", \"/bin/sh\"), \"lpe:\") intersects (\"/bin/sh\")", holds},
	{"multivalue_transformer_getopt", "getopt() intersects (\"n\")", compileError},
	{"multivalue_transformer_getopt", "getopt((\"a\")) intersects (\"n\")", compileError},
	{"multivalue_transformer_getopt", "getopt((\"a\"), \"n\", \"extra\") intersects (\"n\")", compileError},
	{"multivalue_transformer_getopt", "getopt(\"not_a_list\", \"n\") intersects (\"n\")", compileError},
	{"multivalue_transformer_getopt", "getopt((\"-n\"), (\"n\")) intersects (\"n\")", compileError},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"-t\"), \"\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"-t\"), \"\") intersects (\"t\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"arg1\", \"arg2\", \"arg3\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"arg1\", \"-n\", \"arg2\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-\", \"-n\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \"t:\") intersects (\"\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \"t:\") intersects (\"?\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \"t:\") intersects (\"t\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \":t:\") intersects (\"\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \":t:\") intersects (\":\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"--\", \"--\"), \"n\") intersects (\"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"--\", \"-n\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-abc\", \"value\"), \"abc:\") intersects (\"a\", \"b\", \"c\", \"value\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"-n\", \"-n\"), \"n\") intersects (\"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-v\", \"-v\", \"-v\"), \"v\") intersects (\"v\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"val1\", \"-t\", \"val2\"), \"t:\") intersects (\"t\", \"val1\", \"val2\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-p\", \"8080\"), \"p:\") intersects (\"p\", \"8080\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-p8080\"), \"p:\") intersects (\"p\", \"8080\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"42\"), \"n:\") intersects (\"n\", \"42\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"-123\"), \"t:\") intersects (\"t\", \"-123\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-f\", \"./relative/path\"), \"f:\") intersects (\"f\", \"./relative/path\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-u\", \"http://example.com:8080/path\"), \"u:\") intersects (\"u\", \"http://example.com:8080/path\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"\"), \"t:\") intersects (\"t\", \"\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-p\", \"22\", \"-i\", \"keyfile\", \"user@host\"), \"p:i:\") intersects (\"p\", \"22\", \"i\", \"keyfile\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-xzf\", \"file.tar.gz\"), \"xzf:\") intersects (\"x\", \"z\", \"f\", \"file.tar.gz\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-X\", \"POST\", \"-H\", \"header\", \"-d\", \"data\", \"url\"), \"X:H:d:\") intersects (\"X\", \"POST\", \"H\", \"header\", \"d\", \"data\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-e\", \"/bin/sh\", \"attacker.com\", \"4444\"), \"e:\") intersects (\"e\", \"/bin/sh\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-it\", \"-p\", \"8080:80\", \"-v\", \"/host:/container\", \"image\"), \"itp:v:\") intersects (\"i\", \"t\", \"p\", \"8080:80\", \"v\", \"/host:/container\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-a\", \"1\", \"-b\", \"2\", \"-c\", \"3\"), \"a:b:c:\") intersects (\"a\", \"1\", \"b\", \"2\", \"c\", \"3\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-abc\"), \"abc\") intersects (\"a\", \"b\", \"c\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-abcdefg\"), \"abcdefg\") intersects (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\", \"g\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-a1b2c3\"), \"a1b2c3\") intersects (\"a\", \"1\", \"b\", \"2\", \"c\", \"3\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"regular_file\", \"-f\", \"another_file\"), \"f:\") intersects (\"f\", \"another_file\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-f\", \"another_file\", \"regular_file\"), \"f:\") intersects (\"f\", \"another_file\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \" \"), \"t:\") intersects (\"t\", \" \")", holds},
	{"multivalue_transformer_getopt", "getopt((\"\", \"-n\", \"\"), \"n\") intersects (\"n\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-@\", \"-+\"), \"@+\") intersects (\"@\", \"+\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-nx\"), \"n\") intersects (\"n\", \"?\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"-t\", \"hello\"), \"nt:\")[t] = hello", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"-t\", \"hello\"), \"nt:\")[t] = n", fails},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"-t\", \"hello\"), \"nt:\")[n] = n", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\"), \"n\")[\"\"] = n", compileError},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"v1\", \"-t\", \"v2\"), \"t:\")[t] = v2", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t?\"), \"t:\")[t] = ?", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t:\"), \":t:\")[t] = :", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \"t:\")[t] != \"\"", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \"t:\")[t] = \"\"", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \"t:\")[t] = ?", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\"), \":t:\")[t] = :", fails},
	{"multivalue_transformer_getopt", "getopt((\"-n\"), \"nt:\")[t] != \"\"", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"v1\", \"-t\"), \"t:\")[t] = v1", fails},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"v1\", \"-t\"), \"t:\")[t] = \"\"", holds},
	{"multivalue_transformer_getopt", "getopt((\"--exec\"), \"e:\") intersects (\"?\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"--exec\"), \"e:\") intersects (\"e\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"--exec\", \"-n\"), \"n\") intersects (\"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"file\", \"-t\"), \"nt\") intersects (\"n\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-n\", \"file\", \"-t\"), \"nt\") intersects (\"t\")", fails},
	{"multivalue_transformer_getopt", "getopt((\"-abcdefghijklmnopqrstuvwxyz\"), \"abcdefghijklmnopqrstuvwxyz\") intersects (\"a\", \"b\", \"c\", \"z\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-a\", \"-b\", \"-c\", \"-d\", \"-e\", \"-f\"), \"abcdef\") intersects (\"a\", \"b\", \"c\", \"d\", \"e\", \"f\")", holds},
	{"multivalue_transformer_getopt", "getopt((\"-t\", \"this_is_a_very_long_argument_value_that_might_test_buffer_handling\"), \"t:\") intersects (\"t\", \"this_is_a_very_long_argument_value_that_might_test_buffer_handling\")", holds},
}

// opEvents holds the field values of each upstream test's event.
var opEvents = map[string]map[string]any{
	"bytebuf_bcontains_bstartswith": {"evt.buffer": "hello"},
	"bytebuf_matches_nul":           {"evt.buffer": "a\x00b"},
	"contains_icontains":            {"evt.arg.flags": "O_RDWR|O_CREAT", "fd.name": "/opt/dir/SUBDIR/file.txt"},
	"net_ipv4_compare":              ipv4Conn,
	"net_modifier_ip_compare":       ipv4Conn,
	"net_ipv6_compare": {"fd.ip": netip.MustParseAddr("2001:4860:4860::8888"), "fd.sip": netip.MustParseAddr("2001:4860:4860::8888"),
		"fd.lip": netip.MustParseAddr("2001:4860:4860::8888"), "fd.rip": netip.MustParseAddr("::1"), "fd.cip": netip.MustParseAddr("::1"),
		"fd.net": netip.MustParseAddr("2001:4860:4860::8888")},
	"signed_int_compare":     {"evt.cpu": 1, "evt.rawarg.res": -22, "fd.num": -1},
	"pmatch":                 {"fd.name": "/opt/dir/subdir/file.txt"},
	"basename_transformer":   {"fd.name": "/tmp/file_to_run"},
	"len_transformer":        {"fd.types": []string{"file"}, "fd.name": "/tmp/file_to_run", "evt.arg.data": "\x01\x02\x03\x04\x05\x06"},
	"len_transformer_socket": {"fd.types": []string{"ipv4", "file"}},
}

var ipv4Conn = map[string]any{"fd.ip": netip.MustParseAddr("142.251.111.147"), "fd.sip": netip.MustParseAddr("142.251.111.147"),
	"fd.lip": netip.MustParseAddr("142.251.111.147"), "fd.rip": netip.MustParseAddr("172.40.111.222"),
	"fd.cip": netip.MustParseAddr("172.40.111.222"), "fd.net": netip.MustParseAddr("142.251.111.147")}

// opEvent returns the values of a test's event: the execve of /myexe for the modifier
// tests, the open of /tmp/file_to_run for the multi-value transformer tests.
func opEvent(name string) map[string]any {
	if v, ok := opEvents[name]; ok {
		return v
	}
	if len(name) > 12 && name[:12] == "FILTERCHECK_" {
		return map[string]any{"proc.name": "myexe", "proc.exepath": "/myexe"}
	}
	return map[string]any{"fd.name": "/tmp/file_to_run", "fd.directory": "/tmp", "evt.num": 1}
}

// opDifferences holds the conditions on which saker deliberately disagrees, with the reason.
var opDifferences = map[string]string{}

// compileCond loads and compiles one rule testing cond, returning the error.
func compileCond(cond string) error {
	yaml := fmt.Sprintf("- rule: r\n  desc: d\n  output: o\n  priority: info\n  condition: %q\n", "evt.type = execve and ("+cond+")")
	rs, _, err := rules.LoadBytes("t.yaml", []byte(yaml))
	if err != nil {
		return err
	}
	_, _, err = rs.Compile(newTestProvider())
	return err
}

func TestUpstreamOperators(t *testing.T) {
	a := &agreement{name: "filter_op_*, cmp_operator_modifiers, filter_transformer"}
	for _, c := range opSpecs {
		err := compileCond(c.cond)
		var list rules.ErrorList
		if err != nil && !errors.As(err, &list) {
			t.Fatalf("%q: %v", c.cond, err)
		}
		switch c.want {
		case compileError:
			a.check(t, c.cond, err != nil, opDifferences, "%s: %q compiles; libsinsp rejects it", c.event, c.cond)
			continue
		case compiles:
			a.check(t, c.cond, err == nil, opDifferences, "%s: %q: %v; libsinsp compiles it", c.event, c.cond, err)
			continue
		}
		if err != nil {
			a.check(t, c.cond, false, opDifferences, "%s: %q: %v", c.event, c.cond, err)
			continue
		}
		got, naive := evalOn(t, opEvent(c.event), c.cond)
		want := c.want == holds
		a.check(t, c.cond, got == want && naive == want, opDifferences, "%s: %q: compiled %v, naive %v, libsinsp %v", c.event, c.cond, got, naive, want)
	}
	a.report(t)
}
