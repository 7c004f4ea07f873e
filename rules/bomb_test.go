package rules_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"saker/rules"
)

// listBomb is nine levels of lists each naming the previous one ten times: 10^9 items fully
// expanded.
func listBomb() string {
	var b strings.Builder
	b.WriteString("- list: l0\n  items: [a]\n")
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, "- list: l%d\n  items: [%s]\n", i, strings.TrimSuffix(strings.Repeat(fmt.Sprintf("l%d, ", i-1), 10), ", "))
	}
	b.WriteString("- rule: r\n  desc: d\n  output: o\n  priority: notice\n  condition: evt.type in (l9)\n")
	return b.String()
}

// macroBomb is 40 levels of macros each pasting the previous one twice: 2^41 nodes. With
// reversed, each macro is defined before the one it pastes and sees it through an override,
// so resolving it pastes the later macro's unresolved tree.
func macroBomb(reversed bool) string {
	var b strings.Builder
	if reversed {
		for i := 40; i >= 0; i-- {
			fmt.Fprintf(&b, "- macro: m%d\n  condition: evt.type = open\n", i)
		}
		for i := 40; i >= 1; i-- {
			fmt.Fprintf(&b, "- macro: m%d\n  condition: (m%d or m%d)\n  override:\n    condition: replace\n", i, i-1, i-1)
		}
	} else {
		b.WriteString("- macro: m0\n  condition: evt.type = open\n")
		for i := 1; i <= 40; i++ {
			fmt.Fprintf(&b, "- macro: m%d\n  condition: (m%d or m%d)\n", i, i-1, i-1)
		}
	}
	b.WriteString("- rule: r\n  desc: d\n  output: o\n  priority: notice\n  condition: evt.type = open and m40\n")
	return b.String()
}

func loadErrors(t *testing.T, text string) rules.ErrorList {
	t.Helper()
	_, _, err := rules.LoadFiles(yamlFile("bomb.yaml", text))
	var list rules.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		t.Fatalf("load: got %v, want an ErrorList", err)
	}
	return list
}

func TestListBomb(t *testing.T) {
	list := loadErrors(t, listBomb())
	if len(list) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(list), list)
	}
	e := list[0]
	// l6 is the first list past 100,000 items.
	want := "list l6 expands to more than 100000 items"
	if e.Msg != want || e.Item != `list "l6"` || e.Pos.File != "bomb.yaml" || e.Pos.Line != 13 {
		t.Fatalf("got %v, want %q at bomb.yaml:13", e, want)
	}
}

func TestListTooManyBytes(t *testing.T) {
	// 1,000 items of 1 KiB, named 20 times: 20 MiB.
	item := strings.Repeat("x", 1024)
	text := "- list: a\n  items: [" + strings.TrimSuffix(strings.Repeat(item+", ", 1000), ", ") + "]\n" +
		"- list: b\n  items: [" + strings.TrimSuffix(strings.Repeat("a, ", 20), ", ") + "]\n" +
		"- list: c\n  items: [b]\n"
	list := loadErrors(t, text)
	if len(list) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(list), list)
	}
	want := "list b expands to more than 16777216 bytes"
	if e := list[0]; e.Msg != want || e.Item != `list "b"` || e.Pos.Line != 3 {
		t.Fatalf("got %v, want %q at bomb.yaml:3", e, want)
	}
}

func TestListBombInCondition(t *testing.T) {
	// A list within bounds named often enough in a condition overflows the text.
	text := "- list: big\n  items: [" + strings.TrimSuffix(strings.Repeat("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa, ", 50000), ", ") + "]\n" +
		"- rule: r\n  desc: d\n  output: o\n  priority: notice\n  condition: " +
		strings.TrimSuffix(strings.Repeat("proc.name in (big) or ", 20), " or ") + "\n"
	list := loadErrors(t, text)
	if len(list) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(list), list)
	}
	want := "condition expands to more than 16777216 bytes through list big"
	if e := list[0]; e.Msg != want || e.Item != `rule "r"` || e.Pos.Line != 7 || e.Pos.Col != 14 {
		t.Fatalf("got %v, want %q at bomb.yaml:7:14", e, want)
	}
}

func TestMacroBomb(t *testing.T) {
	list := loadErrors(t, macroBomb(false))
	if len(list) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(list), list)
	}
	e := list[0]
	want := "condition expands to more than 1000000 nodes through macros"
	if e.Msg != want || e.Item != `rule "r"` || e.Pos.Line != 87 || e.Pos.Col != 34 {
		t.Fatalf("got %v, want %q at bomb.yaml:87:34", e, want)
	}
}

func TestMacroBombReversed(t *testing.T) {
	// Each macro pastes the unresolved tree of the next anew, each time up to the bound of
	// one condition, until the bound on the work of the whole load stops it.
	list := loadErrors(t, macroBomb(true))
	if len(list) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(list), list)
	}
	e := list[0]
	want := "conditions expand to more than 4000000 nodes in total through macros"
	if e.Msg != want || e.Pos.File != "bomb.yaml" || e.Pos.Line == 0 {
		t.Fatalf("got %v, want %q", e, want)
	}
}

func TestMacroNearBoundLoads(t *testing.T) {
	// 2^19 checks and 2^19-1 ors stay within the bound.
	var b strings.Builder
	b.WriteString("- macro: m0\n  condition: evt.type = open\n")
	for i := 1; i <= 18; i++ {
		fmt.Fprintf(&b, "- macro: m%d\n  condition: (m%d or m%d)\n", i, i-1, i-1)
	}
	b.WriteString("- rule: r\n  desc: d\n  output: o\n  priority: notice\n  condition: m18\n")
	mustLoad(t, yamlFile("ok.yaml", b.String()))
}

func TestManyRulesPastingABigMacro(t *testing.T) {
	// Each rule pastes 2^19-1 nodes, within the bound of one condition; 16 of them are not.
	var b strings.Builder
	b.WriteString("- macro: m0\n  condition: evt.type = open\n")
	for i := 1; i <= 18; i++ {
		fmt.Fprintf(&b, "- macro: m%d\n  condition: (m%d or m%d)\n", i, i-1, i-1)
	}
	for i := range 20 {
		fmt.Fprintf(&b, "- rule: r%d\n  desc: d\n  output: o\n  priority: notice\n  condition: m18\n", i)
	}
	list := loadErrors(t, b.String())
	if len(list) != 1 {
		t.Fatalf("got %d errors, want 1:\n%v", len(list), list)
	}
	want := "rules expand to more than 8000000 nodes in total through macros"
	if e := list[0]; e.Msg != want || e.Item != `rule "r15"` {
		t.Fatalf("got %v, want %q for rule r15", e, want)
	}
}
