package capfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// ErrNotRegular is returned for a bundle file that is not a regular file of the bundle
// directory: a symlink (which could point anywhere on the analyst's machine), a FIFO (whose
// open or read would hang), a device or a directory.
var ErrNotRegular = errors.New("not a regular file")

// openFile opens the bundle file name (a base name, as ReadManifest checks) for reading, and
// only if it is a regular file in dir itself. The manifest and every data file go through
// it: an attacker who controls the bundle must not make saker read elsewhere or hang.
func openFile(dir, name string) (*os.File, error) {
	path := filepath.Join(dir, filepath.Base(name))
	if st, err := os.Lstat(path); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %s: %w", name, st.Mode().Type(), ErrNotRegular)
	}
	f, err := os.OpenFile(path, openFlags, 0)
	if err != nil {
		return nil, err
	}
	// The file may have been swapped between Lstat and open: check what was opened.
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s: %s: %w", name, st.Mode().Type(), ErrNotRegular)
		}
		return nil, err
	}
	return f, nil
}
