//go:build !linux

package capture

import (
	"context"

	"saker/capfile"
)

// RecordDNS returns ErrDNSNotSupported: recording DNS needs Linux's AF_PACKET sockets.
func RecordDNS(ctx context.Context, w *capfile.Writer) (stop func() error, err error) {
	return startDNS(ctx, w)
}

func startDNS(context.Context, *capfile.Writer) (func() []capfile.Fault, error) {
	return nil, ErrDNSNotSupported
}
