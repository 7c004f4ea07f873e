//go:build unix

package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// lockOutput takes an exclusive lock for writing path: a lock file beside it, held until the
// returned function runs. A second saker writing the same --db fails at once instead of both
// printing "wrote" and one result being lost.
func lockOutput(path string) (unlock func(), err error) {
	name := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".lock")
	for range 3 {
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return nil, err
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, fmt.Errorf("another saker is writing %s (lock %s)", path, name)
			}
			return nil, err
		}
		// The holder before us may have removed the lock file after we opened it: the lock is
		// ours only if the name still points at the file we locked.
		held, err1 := f.Stat()
		now, err2 := os.Lstat(name)
		if err1 == nil && err2 == nil && os.SameFile(held, now) {
			return func() {
				os.Remove(name)
				f.Close()
			}, nil
		}
		f.Close()
	}
	return nil, fmt.Errorf("lock %s: it keeps being replaced", name)
}
