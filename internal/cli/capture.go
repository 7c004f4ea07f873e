package cli

import (
	"context"
	"errors"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"saker/capfile"
	"saker/capture"
)

type captureOptions struct {
	out       string
	duration  string
	maxSize   string
	snaplen   int
	noDNS     bool
	docker    string
	keepFile  string
	keepTotal string
	ctrd      string
	signKey   string

	ring        string
	ringAge     string
	after       string
	triggerDir  string
	triggerPrio string
	noTrigger   bool
	freeze      string
	maxSizeSet  bool
	hook        string
	events      string
}

func newCaptureCmd(s *streams) *cobra.Command {
	o := &captureOptions{}
	c := &cobra.Command{
		Use:   "capture -o DIR | --freeze DIR",
		Short: "Record syscalls and DNS packets on this host (root, Linux with BTF)",
		Long: `capture records the syscalls that matter for process, file and network activity with
eBPF, a snapshot of /proc at start, and DNS packets, into a capture bundle directory:
zstd-compressed segments listed with their SHA-256 in manifest.json. Stop it with Ctrl-C
(SIGINT) or SIGTERM; a capture killed harder stays readable up to its last flushed frame.

With --ring SIZE it is a flight recorder: it records until stopped, deleting its oldest
segments to keep the bundle within SIZE (and --ring-age), every segment carrying the state it
needs to replay alone. SIGUSR1, 'saker capture --freeze DIR' (root) or the first finding of
the trigger rules at or above --trigger-priority freezes it: nothing more is deleted, and
recording stops --after later. The manifest says what was deleted and what froze it.`,
		Example: `  saker capture -o /var/tmp/cap1 --duration 10m
  saker capture -o /var/tmp/cap2 --max-size 2GB --snaplen 512 --no-dns
  saker capture -o /var/lib/saker/ring --ring 2GiB --ring-age 6h --after 10m
  saker capture --freeze /var/lib/saker/ring`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(c *cobra.Command, _ []string) error {
			o.maxSizeSet = c.Flags().Changed("max-size")
			return runCapture(s, o)
		},
	}
	f := c.Flags()
	f.StringVarP(&o.out, "output", "o", "", "bundle directory to create (must be empty or absent)")
	f.StringVar(&o.duration, "duration", "", "stop after this long (e.g. 30s, 10m); default: until interrupted")
	f.StringVar(&o.maxSize, "max-size", "1GB", "stop when the bundle reaches this size")
	f.IntVar(&o.snaplen, "snaplen", 256, "bytes of socket payload to keep per send/receive")
	f.BoolVar(&o.noDNS, "no-dns", false, "do not record DNS packets")
	f.StringVar(&o.docker, "docker-socket", "", "Docker Engine socket to ask for container names, images and labels (default: $DOCKER_HOST, else /var/run/docker.sock when present)")
	f.StringVar(&o.ctrd, "containerd-socket", "", "containerd socket to ask for container images, pods and labels (default: "+capture.DefaultContainerdSocket+" when present)")
	f.StringVar(&o.keepFile, "keep-max-file", "64MiB", "keep copies of executables changed during the capture or named like miners up to this size each (0: keep none)")
	f.StringVar(&o.keepTotal, "keep-max-total", "256MiB", "keep at most this much of such executables in all (0: keep none)")
	f.StringVar(&o.signKey, "sign-key", "", "sign the manifest with this ed25519 private key (PEM, PKCS#8, as `openssl genpkey -algorithm ed25519` writes)")
	f.StringVar(&o.ring, "ring", "", "flight recorder: keep the latest SIZE of events, deleting the oldest segments, until frozen")
	f.StringVar(&o.ringAge, "ring-age", "", "flight recorder: also delete segments older than this (e.g. 6h)")
	f.StringVar(&o.after, "after", "10m", "flight recorder: record this long after a freeze, then stop")
	f.StringVar(&o.triggerDir, "trigger-rules", "", "flight recorder: freeze on findings of these rules (FILE|DIR; default: saker's embedded rules)")
	f.StringVar(&o.triggerPrio, "trigger-priority", "critical", "flight recorder: freeze on the first trigger finding at or above this priority")
	f.BoolVar(&o.noTrigger, "no-trigger", false, "flight recorder: evaluate no trigger rules (freeze by SIGUSR1 or --freeze only)")
	f.StringVar(&o.freeze, "freeze", "", "freeze the flight recorder recording into DIR, and return")
	f.StringVar(&o.events, "events", capture.EventsFull, "capture profile: full (every syscall saker knows), standard (no payload calls: read, write, send and receive families), minimal (processes, privileges and connection set-up only: no files, no payloads)")
	f.StringVar(&o.hook, "hook", capture.HookAuto, "how the sensor attaches to syscalls: raw (every syscall of the machine runs it; also sees ia32 compat syscalls), syscalls (only recorded syscalls run it; blind to ia32 compat syscalls, which the manifest says), or auto (raw with --events full, syscalls otherwise)")
	return c
}

func runCapture(s *streams, o *captureOptions) error {
	if o.freeze != "" {
		if o.out != "" {
			return usageErrorf("--freeze DIR stands alone: it asks a running flight recorder to freeze")
		}
		return freezeRing(s, o.freeze)
	}
	if o.out == "" {
		return usageErrorf("required flag \"output\" not set: pass -o DIR")
	}
	opts := capture.Options{Dir: o.out, Snaplen: o.snaplen, NoDNS: o.noDNS, Status: s.err, DockerSocket: o.docker,
		ContainerdSocket: o.ctrd, SakerVersion: currentBuild().String(), Hook: o.hook, Events: o.events}
	switch o.events {
	case capture.EventsFull, capture.EventsStandard, capture.EventsMinimal:
	default:
		return usageErrorf("--events %q: want %s, %s or %s", o.events, capture.EventsMinimal, capture.EventsStandard, capture.EventsFull)
	}
	if o.hook != capture.HookAuto && o.hook != capture.HookRaw && o.hook != capture.HookSyscalls {
		return usageErrorf("--hook %q: want %s, %s or %s", o.hook, capture.HookAuto, capture.HookRaw, capture.HookSyscalls)
	}
	if o.signKey != "" {
		k, err := capfile.LoadSigningKey(o.signKey)
		if err != nil {
			return usageErrorf("--sign-key: %v", err)
		}
		opts.SignKey = k
	}
	if o.duration != "" {
		d, err := time.ParseDuration(o.duration)
		if err != nil || d <= 0 {
			return usageErrorf("--duration %q: want a positive duration such as 30s or 10m", o.duration)
		}
		opts.Duration = d
	}
	if o.maxSize != "" {
		n, err := parseSize(o.maxSize)
		if err != nil {
			return usageErrorf("--max-size %q: %v", o.maxSize, err)
		}
		opts.MaxBytes = n
	}
	for _, k := range []struct {
		flag, v string
		dst     *int64
	}{{"--keep-max-file", o.keepFile, &opts.KeepFileBytes}, {"--keep-max-total", o.keepTotal, &opts.KeepTotalBytes}} {
		n, err := parseSize(k.v)
		if err != nil {
			return usageErrorf("%s %q: %v", k.flag, k.v, err)
		}
		if n == 0 {
			n = -1 // capture.Options: negative keeps none
		}
		*k.dst = n
	}
	if o.snaplen < 0 || o.snaplen > capture.MaxSnaplen {
		return usageErrorf("--snaplen %d: want 0 to %d", o.snaplen, capture.MaxSnaplen)
	}
	rec, err := ringOptions(o, &opts)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if rec == nil {
		return capture.Run(ctx, opts)
	}
	return rec.run(ctx, s, opts)
}

// parseSize parses a byte count such as 1GB, 500MB, 2GiB or 1048576; 0 means no limit.
func parseSize(v string) (int64, error) {
	u := strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, s := range []struct {
		suffix string
		mult   int64
	}{
		{"KIB", 1 << 10}, {"MIB", 1 << 20}, {"GIB", 1 << 30}, {"TIB", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"K", 1 << 10}, {"M", 1 << 20},
		{"G", 1 << 30}, {"T", 1 << 40}, {"B", 1},
	} {
		if rest, ok := strings.CutSuffix(u, s.suffix); ok {
			u, mult = strings.TrimSpace(rest), s.mult
			break
		}
	}
	n, err := strconv.ParseFloat(u, 64)
	if err != nil || n < 0 {
		return 0, errors.New("want a size such as 500MB or 2GiB")
	}
	return int64(n * float64(mult)), nil
}
