// Package scap reads Falco's and sysdig's .scap capture files (plain or gzip) as an
// event.Source: the block stream, the process, fd and user tables of the capture's start, and
// the syscall events mapped onto saker's event kinds through a generated table. Damaged input
// ends with ErrTruncated or ErrCorrupt after the events before the damage.
package scap
