// Package capfile reads and writes saker's capture bundle: a directory holding manifest.json
// and zstd-compressed, length-framed data files (event segments and DNS pcapng segments), each
// listed in the manifest with its size and SHA-256. docs/FORMAT.md specifies the format.
//
// A segment is a valid zstd stream made of independent frames, each preceded by a zstd
// skippable frame that describes it, so that a capture killed at any moment stays readable up
// to its last complete frame and `zstd -d` still decompresses every segment.
package capfile

// FormatVersion is the version of the bundle format this package writes. Readers accept
// bundles of this version and older ones, and refuse newer ones with ErrVersion. Version 2
// numbers each file's frames (docs/FORMAT.md).
const FormatVersion = 2
