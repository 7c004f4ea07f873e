package lab

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"saker/replay"
)

// FileSHA256 returns the SHA-256 of the file at path in lowercase hex.
func FileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CheckExeHashes checks the executable records of the bundle at dir: every exec of one of
// the names in want (an executable's base name -> its SHA-256) must carry that hash. It
// returns how many records it checked and the problems.
func CheckExeHashes(dir string, want map[string]string) (int, []string, error) {
	src, err := replay.OpenBundle(dir, replay.BundleOptions{})
	if err != nil {
		return 0, nil, err
	}
	defer src.Close()
	var n int
	var problems []string
	for _, x := range src.Executables() {
		name := filepath.Base(strings.TrimSuffix(x.Path, " (deleted)"))
		sha, ok := want[name]
		if !ok {
			continue
		}
		n++
		if x.SHA256 != sha {
			problems = append(problems, fmt.Sprintf("pid %d ran %s: sha256 %q (error %q), want %s", x.PID, x.Path, x.SHA256, x.Error, sha))
		}
	}
	return n, problems, nil
}
