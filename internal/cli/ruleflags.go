package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"saker/analyze"
	"saker/capfile"
	"saker/rules"
)

// selectionFlag is --enable or --disable: both append to one list, so that the selections
// apply in the order given on the command line, as Falco's rules[] configuration entries do.
type selectionFlag struct {
	dst    *[]rules.Selection
	enable bool
}

func (f selectionFlag) String() string { return "" }
func (f selectionFlag) Type() string   { return "RULE|tag:TAG|GLOB" }
func (f selectionFlag) Set(v string) error {
	if strings.TrimSpace(v) == "" || v == "tag:" {
		return errors.New("empty rule selection")
	}
	*f.dst = append(*f.dst, rules.Selection{Enable: f.enable, Pattern: v})
	return nil
}

// addSelectionFlags adds --enable and --disable to a command.
func addSelectionFlags(f *pflag.FlagSet, dst *[]rules.Selection) {
	f.Var(selectionFlag{dst, true}, "enable", "enable rules by name, name glob ('Read *') or tag:TAG (repeatable; applied in order with --disable)")
	f.Var(selectionFlag{dst, false}, "disable", "disable rules by name, name glob or tag:TAG (repeatable; applied in order with --enable)")
}

// loadRuleSet loads saker's default rules (unless noDefaults) and the -r files, refusing
// capture files given as rules, and applies the selections. Load warnings go to w.
func loadRuleSet(w io.Writer, noDefaults bool, files []string, sels []rules.Selection) (*rules.RuleSet, error) {
	for _, f := range files {
		if kind := captureKind(f); kind != "" {
			return nil, usageErrorf("-r %s is a capture (%s), not a rules file: give captures as arguments, rules files with -r", f, kind)
		}
	}
	rs, warns, err := analyze.LoadRules(noDefaults, files...)
	printWarnings(w, warns)
	if err != nil {
		return nil, err
	}
	if err := rs.Select(sels); err != nil {
		return nil, usageErrorf("%v", err)
	}
	return rs, nil
}

// captureKind names the capture format of path, "" when it is not a capture saker reads: a
// bundle directory, a .scap or pcapng file (both start with a section header block), a
// gzip-compressed .scap, a pcap file, or a zstd stream (a bundle's segment files).
func captureKind(path string) string {
	st, err := os.Stat(path)
	if err != nil {
		return ""
	}
	if st.IsDir() {
		if _, err := os.Stat(filepath.Join(path, capfile.ManifestName)); err == nil {
			return "a saker capture bundle"
		}
		return ""
	}
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 4)
	if _, err := io.ReadFull(f, head); err != nil {
		return ""
	}
	switch {
	case head[0] == 0x1f && head[1] == 0x8b:
		return "gzip, as sysdig writes .scap files"
	case bytes.Equal(head, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		return "scap or pcapng"
	case bytes.Equal(head, []byte{0xd4, 0xc3, 0xb2, 0xa1}), bytes.Equal(head, []byte{0xa1, 0xb2, 0xc3, 0xd4}),
		bytes.Equal(head, []byte{0x4d, 0x3c, 0xb2, 0xa1}), bytes.Equal(head, []byte{0xa1, 0xb2, 0x3c, 0x4d}):
		return "pcap"
	case bytes.Equal(head, []byte{0x28, 0xb5, 0x2f, 0xfd}), head[1] == 0x2a && head[2] == 0x4d && head[3] == 0x18 && head[0]&0xf0 == 0x50:
		return "zstd"
	}
	return ""
}

// ruleFileSummary tells, for each -r file or directory, how many rules it defines and how
// many of those are enabled.
func ruleFileSummary(w io.Writer, rs *rules.RuleSet, files []string) {
	for _, f := range files {
		n, on := 0, 0
		for _, r := range rs.Rules {
			if r.Pos.File == f || strings.HasPrefix(r.Pos.File, strings.TrimSuffix(f, string(filepath.Separator))+string(filepath.Separator)) {
				n++
				if r.Enabled {
					on++
				}
			}
		}
		fmt.Fprintf(w, "saker: -r %s: %d rules, %d enabled\n", f, n, on)
	}
}
