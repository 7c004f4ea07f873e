package lab

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"path"
	"strings"
)

// DownloadBody is what the lab's download server answers for every path: a small
// text file, so that downloads are real transfers of known bytes.
var DownloadBody = []byte(strings.Repeat("saker lab package contents\n", 64))

// ScriptBody is what the download server answers for paths ending in .sh: a shell script
// that only prints a line, for the download-and-execute scenarios to run.
var ScriptBody = []byte("#!/bin/sh\necho saker lab script \"$0\" ran\n")

// ServeDownloads serves DownloadBody over HTTP on ln, under any path (ScriptBody for paths
// ending in .sh), until ln is closed (reported as nil).
func ServeDownloads(ln net.Listener) error {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", "attachment; filename="+path.Base(r.URL.Path))
		if strings.HasSuffix(r.URL.Path, ".sh") {
			w.Write(ScriptBody)
			return
		}
		w.Write(DownloadBody)
	})
	err := http.Serve(ln, h)
	if errors.Is(err, net.ErrClosed) {
		return nil
	}
	return fmt.Errorf("downloads: %w", err)
}
