package cli

import "github.com/spf13/cobra"

type captureOptions struct {
	out      string
	duration string
	maxSize  string
	snaplen  int
	noDNS    bool
}

func newCaptureCmd(s *streams) *cobra.Command {
	o := &captureOptions{}
	c := &cobra.Command{
		Use:   "capture -o DIR",
		Short: "Record syscalls and DNS packets on this host (root, Linux with BTF)",
		Long: `capture records the syscalls that matter for process, file and network activity with
eBPF, a snapshot of /proc at start, and DNS packets, into a capture bundle directory:
zstd-compressed segments listed with their SHA-256 in manifest.json. Stop it with Ctrl-C
(SIGINT) or SIGTERM; a capture killed harder stays readable up to its last flushed frame.`,
		Example: `  saker capture -o /var/tmp/cap1 --duration 10m
  saker capture -o /var/tmp/cap2 --max-size 2GB --snaplen 512 --no-dns`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(*cobra.Command, []string) error { return runCapture(s, o) },
	}
	f := c.Flags()
	f.StringVarP(&o.out, "output", "o", "", "bundle directory to create (must be empty or absent)")
	f.StringVar(&o.duration, "duration", "", "stop after this long (e.g. 30s, 10m); default: until interrupted")
	f.StringVar(&o.maxSize, "max-size", "1GB", "stop when the bundle reaches this size")
	f.IntVar(&o.snaplen, "snaplen", 256, "bytes of socket payload to keep per send/receive")
	f.BoolVar(&o.noDNS, "no-dns", false, "do not record DNS packets")
	_ = c.MarkFlagRequired("output")
	return c
}

func runCapture(_ *streams, _ *captureOptions) error { return errNotYet("capture", 4) }
