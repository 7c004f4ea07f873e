// Package deploy holds the flight recorder's systemd unit and Kubernetes DaemonSet; its tests
// check them with the tools made for them and run the unit's command with the unit's
// capabilities.
package deploy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

const unitName = "saker-recorder.service"

// sakerBinary returns $SAKER_BIN when set (make test builds bin/saker), or builds saker.
func sakerBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("SAKER_BIN"); p != "" {
		abs, err := filepath.Abs(filepath.Join("..", p))
		if filepath.IsAbs(p) {
			abs, err = p, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	out := filepath.Join(t.TempDir(), "saker")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/saker")
	cmd.Dir = ".."
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, b)
	}
	return out
}

// unitValues returns the values of key in the unit file, in order.
func unitValues(t *testing.T, key string) []string {
	t.Helper()
	b, err := os.ReadFile(unitName)
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), key+"="); ok {
			vs = append(vs, v)
		}
	}
	return vs
}

// TestSystemdUnit: systemd-analyze verify accepts the unit without a word, in a root that
// holds the systemd units of this machine, /bin/sh and saker at the unit's path.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not installed (build/deps.sh installs Debian's systemd)")
	}
	root := t.TempDir()
	for _, d := range []string{"etc/systemd/system", "usr/local/bin", "bin", "usr/lib/systemd"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", "/usr/lib/systemd/system", filepath.Join(root, "usr/lib/systemd/")).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v: %s", err, out)
	}
	for dst, src := range map[string]string{"usr/local/bin/saker": sakerBinary(t), "bin/sh": "/bin/sh",
		"etc/systemd/system/" + unitName: unitName} {
		if out, err := exec.Command("cp", src, filepath.Join(root, dst)).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v: %s", err, out)
		}
	}
	out, err := exec.Command(analyze, "verify", "--root="+root, unitName).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The check is real: a misspelt key makes it speak.
	bad := filepath.Join(root, "etc/systemd/system", unitName)
	b, _ := os.ReadFile(bad)
	os.WriteFile(bad, bytes.Replace(b, []byte("Restart=always"), []byte("Restrat=always"), 1), 0o644)
	if out, _ := exec.Command(analyze, "verify", "--root="+root, unitName).CombinedOutput(); !bytes.Contains(out, []byte("Restrat")) {
		t.Errorf("systemd-analyze verify said nothing of a misspelt key: %s", out)
	}
}

// decodeStrict decodes a YAML document into v as the API server does (sigs.k8s.io/json:
// field names case-sensitive), failing on fields the type does not have, on duplicates, and
// on values of the wrong type.
func decodeStrict(doc string, v any) error {
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		return err
	}
	strict, err := kjson.UnmarshalStrict(j, v)
	if err != nil {
		return err
	}
	return errors.Join(strict...)
}

// readManifests decodes the DaemonSet file's documents strictly into the Kubernetes API
// types: a field the API does not have, or of the wrong type, fails.
func readManifests(t *testing.T) (*corev1.Namespace, *appsv1.DaemonSet) {
	t.Helper()
	b, err := os.ReadFile("daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var ns *corev1.Namespace
	var ds *appsv1.DaemonSet
	for i, doc := range regexp.MustCompile(`(?m)^---$`).Split(string(b), -1) {
		var meta struct{ APIVersion, Kind string }
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		switch meta.APIVersion + " " + meta.Kind {
		case "v1 Namespace":
			ns = &corev1.Namespace{}
			err = decodeStrict(doc, ns)
		case "apps/v1 DaemonSet":
			ds = &appsv1.DaemonSet{}
			err = decodeStrict(doc, ds)
		default:
			t.Fatalf("document %d: unexpected %s %s", i, meta.APIVersion, meta.Kind)
		}
		if err != nil {
			t.Fatalf("document %d (%s): %v", i, meta.Kind, err)
		}
	}
	if ns == nil || ds == nil {
		t.Fatal("want a Namespace and a DaemonSet")
	}
	return ns, ds
}

// TestDaemonSet: the DaemonSet is valid for the Kubernetes API types and holds what the
// recorder needs: the host's PID namespace, only the unit's capabilities, a hostPath ring
// directory, CPU and memory limits, and the containerd socket read-only.
func TestDaemonSet(t *testing.T) {
	ns, ds := readManifests(t)
	if ds.Namespace != ns.Name {
		t.Errorf("DaemonSet in namespace %q, the file makes %q", ds.Namespace, ns.Name)
	}
	spec := ds.Spec.Template.Spec
	if ds.Spec.Selector == nil || !equalMaps(ds.Spec.Selector.MatchLabels, ds.Spec.Template.Labels) {
		t.Errorf("selector %v does not select the pod labels %v", ds.Spec.Selector, ds.Spec.Template.Labels)
	}
	if !spec.HostPID {
		t.Error("hostPID must be true: the state records read every process of the node")
	}
	if len(spec.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(spec.Containers))
	}
	c := spec.Containers[0]
	sc := c.SecurityContext
	if sc == nil || sc.Privileged == nil || *sc.Privileged || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation || sc.Capabilities == nil {
		t.Fatalf("security context %+v: want unprivileged, no privilege escalation, and capabilities", sc)
	}
	if !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) {
		t.Errorf("drops %v, want ALL", sc.Capabilities.Drop)
	}
	var want []string
	for _, c := range strings.Fields(unitValues(t, "CapabilityBoundingSet")[0]) {
		want = append(want, strings.TrimPrefix(c, "CAP_"))
	}
	var got []string
	for _, c := range sc.Capabilities.Add {
		got = append(got, string(c))
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("adds capabilities %v, the systemd unit allows %v: one set, the one the sensor needs", got, want)
	}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		if q, ok := c.Resources.Limits[r]; !ok || q.IsZero() {
			t.Errorf("no %s limit", r)
		}
	}
	mounts := map[string]corev1.VolumeMount{}
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m
	}
	vols := map[string]corev1.Volume{}
	for _, v := range spec.Volumes {
		vols[v.Name] = v
		if _, ok := mounts[v.Name]; !ok {
			t.Errorf("volume %s is not mounted", v.Name)
		}
	}
	for name := range mounts {
		if _, ok := vols[name]; !ok {
			t.Errorf("mount %s has no volume", name)
		}
	}
	if v := vols["ring"]; v.HostPath == nil || mounts["ring"].ReadOnly || mounts["ring"].MountPath != "/var/lib/saker" {
		t.Errorf("ring volume %+v mounted %+v: want a writable hostPath at /var/lib/saker", v, mounts["ring"])
	}
	if v := vols["containerd"]; v.HostPath == nil || v.HostPath.Path != "/run/containerd/containerd.sock" || !mounts["containerd"].ReadOnly {
		t.Errorf("containerd volume %+v mounted %+v: want the socket, read-only", v, mounts["containerd"])
	}
	cmd := strings.Join(append(c.Command, c.Args...), " ")
	for _, flag := range []string{"--ring", "-o /var/lib/saker/ring", "--containerd-socket /run/containerd/containerd.sock"} {
		if !strings.Contains(cmd, flag) {
			t.Errorf("command %q lacks %s", cmd, flag)
		}
	}
}

// TestDaemonSetStrict: the strict decoding that TestDaemonSet rests on fails on a field the
// API does not have.
func TestDaemonSetStrict(t *testing.T) {
	b, err := os.ReadFile("daemonset.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := regexp.MustCompile(`(?m)^---$`).Split(string(b), -1)[1]
	for _, c := range []struct{ from, to string }{
		{"hostPID: true", "hostPid: true"},                       // case
		{"readOnly: true", "readonly: true"},                     // case, deep down
		{"hostPID: true", "hostPID: 1"},                          // type
		{"hostPID: true", "hostPID: true\n      hostIPC2: true"}, // unknown field
	} {
		bad := strings.Replace(doc, c.from, c.to, 1)
		if bad == doc {
			t.Fatalf("%q not in the DaemonSet", c.from)
		}
		if err := decodeStrict(bad, &appsv1.DaemonSet{}); err == nil {
			t.Errorf("%q instead of %q decoded", c.to, c.from)
		}
	}
}

func equalMaps(a, b map[string]string) bool {
	if len(a) == 0 || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestUnitCommandWithItsCapabilities runs the unit's ExecStart (the ring moved to a
// temporary directory, stopped after a few seconds) as root with the unit's capability
// bounding set and nothing more: the recorder starts, records and stops cleanly with the
// capabilities the unit and the DaemonSet give it.
func TestUnitCommandWithItsCapabilities(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	if _, err := os.Stat("/sys/kernel/btf/vmlinux"); err != nil {
		t.Skip("needs kernel BTF")
	}
	setpriv, err := exec.LookPath("setpriv")
	if err != nil {
		t.Skip("setpriv (util-linux) not installed")
	}
	exe := unitValues(t, "ExecStart")
	if len(exe) != 1 {
		t.Fatalf("ExecStart %q", exe)
	}
	args := strings.Fields(exe[0])
	if args[0] != "/usr/local/bin/saker" {
		t.Fatalf("ExecStart runs %s", args[0])
	}
	dir := filepath.Join(t.TempDir(), "ring")
	for i, a := range args {
		if a == "/var/lib/saker/ring" {
			args[i] = dir
		}
	}
	args[0] = sakerBinary(t)
	caps := "-all"
	for _, c := range strings.Fields(unitValues(t, "CapabilityBoundingSet")[0]) {
		caps += ",+" + strings.ToLower(strings.TrimPrefix(c, "CAP_"))
	}
	full := append([]string{"--bounding-set", caps, "--inh-caps", "-all", "--no-new-privs"}, args...)
	full = append(full, "--duration", "3s")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := runWithActivity(ctx, setpriv, full...)
	if err != nil {
		var ee *exec.ExitError
		errors.As(err, &ee)
		t.Fatalf("%s %s: %v\n%s", setpriv, strings.Join(full, " "), err, out)
	}
	if !bytes.Contains(out, []byte("saker capture stopped (duration reached)")) || bytes.Contains(out, []byte("warning")) {
		t.Errorf("output:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Captured []struct {
			Name     string
			Recorded bool
			Reason   string
		}
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Captured {
		if !c.Recorded && !strings.HasPrefix(c.Name, "container_metadata") {
			t.Errorf("%s not recorded with the unit's capabilities: %s", c.Name, c.Reason)
		}
	}
	// Without them the same command fails: the test can tell.
	out, err = runWithActivity(ctx, setpriv, append([]string{"--bounding-set", "-all", "--inh-caps", "-all"}, full[4:]...)...)
	if err == nil {
		t.Errorf("the recorder ran with no capabilities at all:\n%s", out)
	}
}

// runWithActivity runs name with args and, until it ends, a short process every 100 ms, so
// that a recorder has events to record on a quiet host.
func runWithActivity(ctx context.Context, name string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	for {
		select {
		case err := <-done:
			return out.Bytes(), err
		case <-time.After(100 * time.Millisecond):
			exec.Command("/bin/cat", "/dev/null").Run()
		}
	}
}
