package rules_test

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"
	"time"

	"saker/event"
	"saker/rules"
)

func compileOne(t *testing.T, p *testProvider, yaml string) *rules.Engine {
	t.Helper()
	rs, _, err := rules.LoadBytes("t.yaml", []byte(yaml))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	en, _, err := rs.Compile(p)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return en
}

func TestFormat(t *testing.T) {
	p := newTestProvider()
	en := compileOne(t, p, `
- rule: out
  desc: d
  priority: Critical
  tags: [T1059, container]
  condition: evt.type = execve
  output: >
    Shell %proc.name (parent=%proc.aname[1] user=%user.uid tty=%proc.tty missing=%fd.name
    up=%toupper(proc.name) w=[%6proc.name] cut=[%3proc.cmdline] ip=%fd.sip names=%fd.sip.name
    args=%evt.args info=%container.info. end=%proc.name. pct=100% flag=%proc.is_exe_from_memfd
`)
	ex, _ := event.KindByName("execve")
	e := &event.Event{Num: 1, Kind: ex}
	e.SetArgs(event.Str("/bin/sh"), event.Str("sh"))
	p.set(1, "proc.name", "sh")
	p.set(1, "proc.aname[1]", "sshd")
	p.set(1, "user.uid", 0)
	p.set(1, "proc.tty", 34816)
	p.set(1, "proc.cmdline", "sh -c id")
	p.set(1, "fd.sip", netip.MustParseAddr("10.0.0.1"))
	p.set(1, "fd.sip.name", []string{"a.example", "b.example"})
	p.set(1, "proc.is_exe_from_memfd", true)
	var cr *rules.CompiledRule
	en.Match(e, func(r *rules.CompiledRule) { cr = r })
	if cr == nil {
		t.Fatal("rule did not match")
	}
	text, fields := cr.Format(e)
	want := "Shell sh (parent=sshd user=0 tty=34816 missing=<NA> up=SH w=[sh    ] cut=[sh ] ip=10.0.0.1 names=a.example,b.example" +
		" args=filename=/bin/sh exe=sh info=. end=sh. pct=100% flag=true"
	if text != want {
		t.Errorf("text:\n got %q\nwant %q", text, want)
	}
	names := []string{}
	for _, f := range fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "proc.name proc.aname[1] user.uid proc.tty fd.name toupper(proc.name) proc.cmdline fd.sip fd.sip.name evt.args proc.is_exe_from_memfd" {
		t.Errorf("fields: %s", got)
	}

	a := cr.Alert(e, time.Date(2026, 3, 4, 5, 6, 7, 89, time.UTC), "host1")
	if got := a.Text(); got != "05:06:07.000000089: Critical "+want {
		t.Errorf("text alert %q", got)
	}
	js, err := json.Marshal(&a)
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal(js, &obj); err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	of := obj["output_fields"].(map[string]any)
	if obj["time"] != "2026-03-04T05:06:07.000000089Z" || obj["rule"] != "out" || obj["priority"] != "Critical" ||
		obj["source"] != "syscall" || obj["hostname"] != "host1" || of["fd.name"] != nil || of["user.uid"] != float64(0) ||
		of["proc.is_exe_from_memfd"] != true || obj["output"] != a.Text() {
		t.Errorf("json %s", js)
	}
	if _, ok := of["fd.name"]; !ok {
		t.Errorf("missing field not null: %s", js)
	}
	if !strings.HasPrefix(string(js), `{"hostname":"host1","output":`) || !strings.Contains(string(js), `"tags":["T1059","container"],"time"`) {
		t.Errorf("key order: %s", js)
	}
}
