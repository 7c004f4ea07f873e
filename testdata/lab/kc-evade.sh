#!/bin/sh
# Kill chain, defense evasion (run by ns.sh: /etc, /root and /var/log are overlays of the
# lab's own): a security agent stopped (stand-in systemctl), ld.so.preload written (empty,
# so nothing is preloaded), shell history and auth.log truncated, a dropped binary's times
# copied from /bin/ls, a program started as [kworker/0:2], a copy named sshd run from the
# lab's directory.
set -eu
mkdir -p "$LAB_TMP/kc" "$LAB_DIR/drop"
systemctl stop auditd
: > /etc/ld.so.preload
: > /root/.bash_history
: > /var/log/auth.log
cp "$LAB_DIR/bin/labtool" "$LAB_TMP/kc/.sshd"
touch -r /bin/ls "$LAB_TMP/kc/.sshd"
bash -c 'exec -a "[kworker/0:2]" "$LAB_DIR/bin/labtool" masquerade'
cp "$LAB_DIR/bin/labtool" "$LAB_DIR/drop/sshd"
"$LAB_DIR/drop/sshd" -D
