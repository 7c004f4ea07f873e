#!/bin/sh
# Runs a kill-chain scenario script ($1) inside the pid and mount namespaces the lab's
# `unshare --mount --pid --fork --mount-proc --kill-child` made for it, after making sure
# that is where it runs: it must be pid 1 of its pid namespace (so that pkill and kill see
# the lab's processes only) with a /proc of that namespace. Then it mounts overlays on
# /etc, /root, /var/spool and /var/log and a lab file over /proc/sys/kernel/nmi_watchdog:
# whatever the script writes there (ld.so.preload, crontabs, authorized_keys, units,
# sudoers, logs, the watchdog) lands under $LAB_TMP/ovl and goes with the namespace. The
# host's files are never changed. The stand-ins under $LAB_DIR/bin come first in PATH, and
# the script is refused if any of them would resolve elsewhere.
set -eu
# pid 1 in the /proc we see must be this script: a /proc of the host would show its init.
if [ "$$" != 1 ] || ! tr '\0' ' ' </proc/1/cmdline | grep -q 'ns\.sh'; then
	echo "ns.sh: not pid 1 of a pid namespace with its own /proc: refusing to run $1" >&2
	exit 1
fi
mount --make-rprivate /
name=$(basename "$1" .sh)
ovl="$LAB_TMP/ovl/$name"
# ip netns exec bind-mounted the lab's resolv.conf on /etc/resolv.conf; the overlay hides
# that mount, so its upper layer gets a copy.
mkdir -p "$ovl/etc/upper" "$ovl/etc/work"
cp /etc/resolv.conf "$ovl/etc/upper/resolv.conf"
for d in etc root var/spool var/log; do
	mkdir -p "$ovl/$d/upper" "$ovl/$d/work"
	mount -t overlay saker-lab -o "lowerdir=/$d,upperdir=$ovl/$d/upper,workdir=$ovl/$d/work" "/$d"
done
if [ -e /proc/sys/kernel/nmi_watchdog ]; then
	echo 0 > "$ovl/nmi_watchdog"
	mount --bind "$ovl/nmi_watchdog" /proc/sys/kernel/nmi_watchdog
fi
export PATH="$LAB_DIR/bin:$PATH"
for p in systemctl useradd crontab masscan cpulimit dpkg iptables ssh; do
	if [ "$(command -v "$p")" != "$LAB_DIR/bin/$p" ]; then
		echo "ns.sh: $p is not the lab's stand-in: refusing to run $1" >&2
		exit 1
	fi
done
# A child rather than exec: pid 1 stays ns.sh (nsenter -t 1 and /proc/1/root in kc-escape
# reach the lab's namespaces either way), and the scenario's shell is one generation farther
# from `go test`, which saker_installer_or_build would otherwise count as its build tool.
sh "$@"
