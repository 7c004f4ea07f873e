package capture

import "errors"

// ErrDNSNotSupported is returned by RecordDNS where there is no AF_PACKET: everywhere but Linux.
var ErrDNSNotSupported = errors.New("dns capture needs linux")
