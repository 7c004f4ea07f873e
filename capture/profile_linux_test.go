//go:build linux && amd64

package capture

import (
	"slices"
	"testing"
)

func TestProfiles(t *testing.T) {
	full, left, err := profileSyscalls(EventsFull)
	if err != nil || len(left) != 0 || len(full) != len(syscalls) {
		t.Fatalf("full: %d syscalls, left out %q, %v", len(full), left, err)
	}
	names := func(set []syscallConf) []string {
		var n []string
		for _, c := range set {
			n = append(n, c.name)
		}
		return n
	}
	std, stdLeft, err := profileSyscalls(EventsStandard)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "read", "write", "readv", "writev"}; !slices.Equal(stdLeft, want) {
		t.Errorf("standard leaves out %q", stdLeft)
	}
	minimal, minLeft, err := profileSyscalls(EventsMinimal)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range names(minimal) {
		if !slices.Contains(names(std), n) {
			t.Errorf("minimal records %s, standard does not", n)
		}
	}
	for _, want := range []string{"connect", "accept4", "execve", "setuid", "memfd_create", "ptrace", "bind"} {
		if !slices.Contains(names(minimal), want) {
			t.Errorf("minimal does not record %s", want)
		}
	}
	for _, gone := range []string{"open", "openat", "close", "write", "sendto", "chmod", "unlink"} {
		if !slices.Contains(minLeft, gone) {
			t.Errorf("minimal records %s", gone)
		}
	}
	if len(minimal)+len(minLeft) != len(syscalls) {
		t.Errorf("minimal: %d + %d syscalls of %d", len(minimal), len(minLeft), len(syscalls))
	}
	if _, _, err := profileSyscalls("everything"); err == nil {
		t.Error("unknown profile accepted")
	}
}

func TestUnescapeMount(t *testing.T) {
	for in, want := range map[string]string{
		"/sys/kernel/tracing":     "/sys/kernel/tracing",
		`/tmp/with\040space`:      "/tmp/with space",
		`/tmp/tab\011and\134back`: "/tmp/tab\tand\\back",
		`/tmp/short\04`:           `/tmp/short\04`,
	} {
		if got := unescapeMount(in); got != want {
			t.Errorf("unescapeMount(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHookFor(t *testing.T) {
	for _, c := range []struct{ hook, events, want string }{
		{"", EventsFull, HookRaw},
		{HookAuto, "", HookRaw},
		{HookAuto, EventsStandard, HookSyscalls},
		{"", EventsMinimal, HookSyscalls},
		{HookRaw, EventsMinimal, HookRaw},
		{HookSyscalls, EventsFull, HookSyscalls},
	} {
		if got := hookFor(c.hook, c.events); got != c.want {
			t.Errorf("hookFor(%q, %q) = %q, want %q", c.hook, c.events, got, c.want)
		}
	}
}
