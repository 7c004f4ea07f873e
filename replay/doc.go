// Package replay turns saker's own capture bundles into an ordered event.Source: raw sensor
// records decoded by layout version, segments merged in timestamp order. Foreign .scap files
// are read by replay/scap, DNS packets and payloads by package dns. It builds and runs without
// root and on any OS; it never imports capture.
package replay
