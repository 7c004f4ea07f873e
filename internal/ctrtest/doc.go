// Package ctrtest starts real container runtimes for tests: containerd and dockerd on
// private sockets and directories, images built locally from busybox-static (nothing is
// pulled), and a teardown that stops the daemons by pid and leaves no mount, cgroup,
// interface or firewall rule behind. Tests call it as root; without root or without the
// runtimes installed (`make deps` installs them) it skips them with a message.
package ctrtest
