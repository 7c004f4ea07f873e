package rules

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// File is one rules file's name (used in positions) and content.
type File struct {
	Name string
	Data []byte
}

// Load reads rules files and directories in order (a directory contributes its *.yaml and
// *.yml files, sorted by name) and loads them as LoadFiles does.
func Load(paths ...string) (*RuleSet, []Warning, error) {
	files, err := readFiles(osFS{}, paths)
	if err != nil {
		return nil, nil, err
	}
	return LoadFiles(files...)
}

// LoadFS is Load for files and directories of fsys, such as embedded default rules.
func LoadFS(fsys fs.FS, paths ...string) (*RuleSet, []Warning, error) {
	files, err := readFiles(fsys, paths)
	if err != nil {
		return nil, nil, err
	}
	return LoadFiles(files...)
}

// LoadBytes loads one rules file held in memory; name is used in positions.
func LoadBytes(name string, data []byte) (*RuleSet, []Warning, error) {
	return LoadFiles(File{Name: name, Data: data})
}

// LoadFiles loads rules files in order: later files append to, override and redefine items of
// earlier ones. Loading knows nothing of fields; unknown fields show only at Compile. The
// error, if any, is an ErrorList holding every error found, each naming file:line:col and
// the item: items with errors are left out and the others still load, so that the errors of
// their conditions show too (a use of a macro left out is not reported again). With an
// error, the RuleSet returned holds what did load, for validators that want to compile it
// as well; it is not meant to run.
func LoadFiles(files ...File) (*RuleSet, []Warning, error) {
	l := &loader{rs: newRuleSet()}
	for _, f := range files {
		l.rs.files = append(l.rs.files, f.Name)
		l.loadFile(f)
	}
	l.resolve()
	if len(l.errs) > 0 {
		sortErrors(l.errs, l.rs.files)
		return l.rs, l.warns, l.errs
	}
	return l.rs, l.warns, nil
}

// osFS reads paths of the operating system as they are given (fs.FS wants them relative).
type osFS struct{}

func (osFS) Open(name string) (fs.File, error)          { return os.Open(name) }
func (osFS) ReadFile(name string) ([]byte, error)       { return os.ReadFile(name) }
func (osFS) ReadDir(name string) ([]fs.DirEntry, error) { return os.ReadDir(name) }
func (osFS) Stat(name string) (fs.FileInfo, error)      { return os.Stat(name) }

func readFiles(fsys fs.FS, paths []string) ([]File, error) {
	var files []File
	for _, p := range paths {
		st, err := fs.Stat(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", p, err)
		}
		if !st.IsDir() {
			data, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, fmt.Errorf("rules %s: %w", p, err)
			}
			files = append(files, File{Name: p, Data: data})
			continue
		}
		ents, err := fs.ReadDir(fsys, p)
		if err != nil {
			return nil, fmt.Errorf("rules %s: %w", p, err)
		}
		sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
		for _, e := range ents {
			ext := path.Ext(e.Name())
			if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
				continue
			}
			name := filepath.Join(p, e.Name())
			if _, ok := fsys.(osFS); !ok {
				name = path.Join(p, e.Name())
			}
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return nil, fmt.Errorf("rules %s: %w", name, err)
			}
			files = append(files, File{Name: name, Data: data})
		}
	}
	return files, nil
}

type loader struct {
	rs     *RuleSet
	errs   ErrorList
	warns  []Warning
	warned map[string]bool
	failed map[string]bool // items with errors, by itemName
	work   int             // nodes built resolving macros, bounded by maxResolveWork
	// ruleNodes counts the nodes of the rules resolved so far, bounded by maxRuleSetNodes.
	ruleNodes int
}

// fileCtx is the file being loaded.
type fileCtx struct {
	name  string
	src   []byte
	lines []int
}

func (f *fileCtx) pos(n *yaml.Node) Pos { return Pos{File: f.name, Line: n.Line, Col: n.Column} }

func (l *loader) errorf(p Pos, item, format string, args ...any) {
	l.errs = append(l.errs, &Error{Pos: p, Item: item, Msg: fmt.Sprintf(format, args...)})
	if item != "" {
		if l.failed == nil {
			l.failed = map[string]bool{}
		}
		l.failed[item] = true
	}
}

func (l *loader) warnf(p Pos, item, format string, args ...any) {
	l.warns = append(l.warns, Warning{Pos: p, Item: item, Msg: fmt.Sprintf(format, args...)})
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func (l *loader) loadFile(f File) {
	fc := &fileCtx{name: f.Name, src: f.Data, lines: lineStarts(f.Data)}
	dec := yaml.NewDecoder(bytes.NewReader(f.Data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			p := Pos{File: f.Name}
			if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
				p.Line, _ = strconv.Atoi(m[1])
				p.Col = 1
			}
			l.errorf(p, "", "%s", strings.TrimPrefix(err.Error(), "yaml: "))
			return
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
			continue
		}
		if root.Kind != yaml.SequenceNode {
			l.errorf(fc.pos(root), "", "rules content is not a yaml sequence of items")
			continue
		}
		for _, n := range root.Content {
			l.loadItem(fc, n)
		}
	}
}

// item is one map of a rules file.
type item struct {
	f    *fileCtx
	node *yaml.Node
	keys map[string]*yaml.Node // value nodes
	key  map[string]*yaml.Node // key nodes, for positions
	name string                // `rule "x"` for messages
}

func (it *item) has(k string) bool { return it.keys[k] != nil }

func (it *item) pos(k string) Pos {
	if n := it.key[k]; n != nil {
		return it.f.pos(n)
	}
	return it.f.pos(it.node)
}

var itemKinds = []string{"required_engine_version", "required_plugin_versions", "list", "macro", "rule"}

func (l *loader) loadItem(f *fileCtx, n *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		l.errorf(f.pos(n), "", "unexpected element: items must be yaml maps")
		return
	}
	it := &item{f: f, node: n, keys: map[string]*yaml.Node{}, key: map[string]*yaml.Node{}}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if it.keys[k] != nil {
			l.errorf(f.pos(n.Content[i]), "", "duplicate key %q", k)
			return
		}
		v := n.Content[i+1]
		if v.Kind == yaml.AliasNode && v.Alias != nil {
			v = v.Alias
		}
		it.keys[k], it.key[k] = v, n.Content[i]
	}
	for _, kind := range itemKinds {
		if !it.has(kind) {
			continue
		}
		switch kind {
		case "required_engine_version":
			l.engineVersion(it)
		case "required_plugin_versions":
			l.pluginVersions(it)
		case "list":
			l.list(it)
		case "macro":
			l.macro(it)
		case "rule":
			l.rule(it)
		}
		return
	}
	l.warnf(f.pos(n), "", "unknown item ignored")
}

// checkKeys warns about keys the item kind does not know.
func (l *loader) checkKeys(it *item, known ...string) {
	for i := 0; i+1 < len(it.node.Content); i += 2 {
		k := it.node.Content[i].Value
		found := false
		for _, kk := range known {
			if k == kk {
				found = true
				break
			}
		}
		if !found {
			l.warnf(it.f.pos(it.node.Content[i]), it.name, "unknown key %q ignored", k)
		}
	}
}

func (l *loader) scalar(it *item, k string) (string, bool) {
	n := it.keys[k]
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		l.errorf(it.pos(k), it.name, "value of %q is not a scalar", k)
		return "", false
	}
	return n.Value, true
}

// name returns the item's name, the value of its kind key, which must be a non-empty
// scalar.
func (l *loader) name(it *item, kind string) (string, bool) {
	s, ok := l.scalar(it, kind)
	it.name = itemName(kind, s)
	if ok && strings.TrimSpace(s) == "" {
		l.errorf(it.pos(kind), it.name, "%s name is empty", kind)
		return "", false
	}
	return s, ok
}

func (l *loader) boolean(it *item, k string) (bool, bool) {
	s, ok := l.scalar(it, k)
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true", "yes", "on":
		return true, true
	case "false", "no", "off":
		return false, true
	}
	l.errorf(it.pos(k), it.name, "value of %q is not a boolean: %q", k, s)
	return false, false
}

func (l *loader) stringList(it *item, k string) ([]string, bool) {
	n := it.keys[k]
	if n == nil {
		return nil, false
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return []string{}, true
	}
	if n.Kind != yaml.SequenceNode {
		l.errorf(it.pos(k), it.name, "value of %q is not a list", k)
		return nil, false
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		if c.Kind != yaml.ScalarNode {
			l.errorf(it.f.pos(c), it.name, "item of %q is not a scalar", k)
			return nil, false
		}
		out = append(out, c.Value)
	}
	return out, true
}

// text returns a scalar value with a map of its positions.
func (l *loader) text(it *item, k string) (srcText, bool) {
	s, ok := l.scalar(it, k)
	if !ok {
		return srcText{}, false
	}
	var t srcText
	t.add(s, scalarPositions(it.f.name, it.f.src, it.f.lines, it.keys[k]))
	return t, true
}
