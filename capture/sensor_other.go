//go:build !linux || !amd64

package capture

import "context"

// Run returns ErrNotSupported: the sensor needs Linux on amd64.
func Run(context.Context, Options) error { return ErrNotSupported }
