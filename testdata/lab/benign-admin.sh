#!/bin/sh
# Look-alikes of the kill chain, benign (run by ns.sh: /etc, /root and /var/spool are
# overlays of the lab's own): an administrator adds a cron job with crontab -e (the lab's
# stand-in crontab, with ed as the editor), lists it, adds a key to root's authorized_keys
# with ed, and restarts a service (stand-in systemctl). No finding.
set -eu
printf 'a\n30 2 * * * /usr/local/sbin/backup\n.\nw\nq\n' | EDITOR='ed -s' crontab -e
crontab -l
mkdir -p /root/.ssh
printf 'a\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsakerlabadminsakerlabadminsakerlab0 admin@laptop\n.\nw\nq\n' |
	ed -s /root/.ssh/authorized_keys
systemctl restart auditd
