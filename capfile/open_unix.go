//go:build unix

package capfile

import (
	"os"
	"syscall"
)

// openFlags open a bundle file without following a symlink in its place (the open fails with
// ELOOP) and without blocking on a FIFO (whose open would wait for a writer forever).
const openFlags = os.O_RDONLY | syscall.O_NOFOLLOW | syscall.O_NONBLOCK
