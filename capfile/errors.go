package capfile

import "errors"

// Errors of this package, checked with errors.Is. Errors about a file name it and, where it
// applies, the byte offset.
var (
	// ErrCorrupt: a frame or record is malformed.
	ErrCorrupt = errors.New("corrupt data")
	// ErrTruncated: a file ends inside a frame; everything before that frame was read.
	ErrTruncated = errors.New("truncated")
	// ErrIntegrity: a file's SHA-256 or size does not match the manifest.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrVersion: the bundle was written by a newer format version.
	ErrVersion = errors.New("unsupported format version")
	// ErrNotEmpty: Create was given a directory that already holds files.
	ErrNotEmpty = errors.New("output directory is not empty")
	// ErrFull: the bundle reached its size cap; the writer accepts no more records.
	ErrFull = errors.New("capture size limit reached")
	// ErrRecordTooLarge: a record payload exceeds MaxRecordSize.
	ErrRecordTooLarge = errors.New("record too large")
	// ErrClosed: the writer or data file is closed.
	ErrClosed = errors.New("closed")
)
