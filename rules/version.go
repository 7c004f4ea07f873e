package rules

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// EngineVersion is the Falco engine version whose rules language saker implements; files
// asking for a newer engine (or another major version) fail to load.
const EngineVersion = "0.57.0"

// providedPlugins maps the Falco plugins whose fields saker serves itself to the plugin
// version saker is compatible with; a required_plugin_versions entry naming one of them is
// satisfied, others are warned about.
var providedPlugins = map[string]string{"container": "0.4.0"}

type semver [3]int

func parseSemver(s string) (semver, error) {
	var v semver
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 || s == "" {
		return v, fmt.Errorf("bad version %q", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("bad version %q", s)
		}
		v[i] = n
	}
	return v, nil
}

func (v semver) less(w semver) bool {
	for i := range v {
		if v[i] != w[i] {
			return v[i] < w[i]
		}
	}
	return false
}

func (v semver) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func (l *loader) engineVersion(it *item) {
	it.name = "required_engine_version"
	l.checkKeys(it, "required_engine_version")
	s, ok := l.scalar(it, "required_engine_version")
	if !ok {
		return
	}
	var want semver
	if n, err := strconv.Atoi(s); err == nil {
		want = semver{0, n, 0} // the old form counts minor versions
	} else if want, err = parseSemver(s); err != nil {
		l.errorf(it.pos("required_engine_version"), "", "required_engine_version: %v", err)
		return
	}
	have, _ := parseSemver(EngineVersion)
	if want[0] != have[0] || have.less(want) {
		l.errorf(it.pos("required_engine_version"), "", "rules require engine version %s, saker implements %s", want, EngineVersion)
	}
}

func (l *loader) pluginVersions(it *item) {
	it.name = "required_plugin_versions"
	l.checkKeys(it, "required_plugin_versions")
	n := it.keys["required_plugin_versions"]
	if n.Kind != yaml.SequenceNode {
		l.errorf(it.pos("required_plugin_versions"), "", "required_plugin_versions is not a list")
		return
	}
	for _, req := range n.Content {
		names := pluginNames(req)
		if len(names) == 0 {
			l.errorf(it.f.pos(req), "", "required_plugin_versions entry has no name")
			continue
		}
		satisfied := false
		want, err := parseSemver(pluginVersion(req))
		for _, name := range names {
			if have, ok := providedPlugins[name]; ok {
				hv, _ := parseSemver(have)
				// Alternatives may ask for other versions; the main entry's decides.
				satisfied = satisfied || err != nil || name != names[0] || !hv.less(want)
			}
		}
		switch have, ok := providedPlugins[names[0]]; {
		case satisfied:
		case ok:
			l.warnf(it.f.pos(req), "", "plugin %s %s is required, saker provides the fields of %s", names[0], pluginVersion(req), have)
		default:
			l.warnf(it.f.pos(req), "", "plugin %s is required but saker does not provide it; its fields will be unknown", names[0])
		}
	}
}

// pluginVersion returns the version a plugin requirement asks for, "" when none.
func pluginVersion(n *yaml.Node) string {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "version" {
			return n.Content[i+1].Value
		}
	}
	return ""
}

// pluginNames returns the name of a plugin requirement and of its alternatives.
func pluginNames(n *yaml.Node) []string {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var names []string
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		switch {
		case k == "name" && v.Kind == yaml.ScalarNode:
			names = append([]string{v.Value}, names...)
		case k == "alternatives" && v.Kind == yaml.SequenceNode:
			for _, a := range v.Content {
				names = append(names, pluginNames(a)...)
			}
		}
	}
	return names
}
