#!/bin/sh
# Installs what saker's test suite needs on a fresh Debian machine of the project's kind:
# Debian packages for the tests that drive real tools (tshark reads DNS segments, sysdig reads
# .scap files, chromium renders the HTML report, clang and bpftool rebuild the BPF objects,
# iproute2 builds the attack lab's network namespaces, curl, make, ed, chattr and nsenter play
# parts in its kill-chain scenarios, containerd, runc and dockerd are the
# real runtimes the container tests start on private sockets, busybox-static is what their
# images are made of, systemd's systemd-analyze checks deploy/'s unit). Nothing here starts a daemon: the tests start and stop their own.
# Without root, or without apt-get, it only reports what is missing; the tests that need a
# missing tool skip and name it.
set -eu

need=""
have() { command -v "$1" >/dev/null 2>&1; }
have tshark   || need="$need tshark"
have sysdig   || need="$need sysdig"
have chromium || need="$need chromium"
have clang    || need="$need clang"
have llvm-strip || need="$need llvm"
[ -e /usr/include/bpf/bpf_helpers.h ] || need="$need libbpf-dev"
have bpftool  || need="$need bpftool"
have ip       || need="$need iproute2"
have zstd     || need="$need zstd"
have containerd || need="$need containerd"
have runc     || need="$need runc"
have dockerd  || need="$need docker.io"
# The images' /bin/busybox must be static: Debian's dynamic busybox cannot run in them.
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' || need="$need busybox-static"
# The attack lab's kill-chain and look-alike scenarios (testdata/lab/kc-*.sh, benign-*.sh).
have curl     || need="$need curl"
have make     || need="$need make"
have ed       || need="$need ed"
have chattr   || need="$need e2fsprogs"
have nsenter  || need="$need util-linux"
# OpenSSL makes the key files of signed captures and checks saker's manifest signatures.
have openssl  || need="$need openssl"
# The flight recorder's systemd unit is checked with systemd-analyze verify (deploy/).
have systemd-analyze || need="$need systemd"
# The sensor's 32-bit test builds a static ia32 program (capture/testdata/ia32/miner.c); it
# runs where the kernel runs 32-bit code and skips elsewhere.
dpkg-query -W -f '${Status}' gcc-multilib 2>/dev/null | grep -q 'ok installed' || need="$need gcc-multilib"

if [ -z "$need" ]; then
	exit 0
fi
if [ "$(id -u)" != 0 ] || ! have apt-get; then
	echo "deps: missing:$need (not root or no apt-get; the tests that need them will skip)" >&2
	exit 0
fi
echo "deps: installing:$need" >&2
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $need >/dev/null
