//go:build !unix

package capfile

import "os"

// openFlags: without O_NOFOLLOW and O_NONBLOCK, openFile's Lstat check stands alone.
const openFlags = os.O_RDONLY
