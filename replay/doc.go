// Package replay turns recorded captures into ordered event.Sources: saker's own bundles (raw
// sensor records decoded by layout version, segments merged in timestamp order), foreign formats
// such as Falco's and sysdig's .scap files, and DNS packets. It builds and runs without root and
// on any OS; it never imports capture.
package replay
