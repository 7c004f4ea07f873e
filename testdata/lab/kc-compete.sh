#!/bin/sh
# Kill chain, competition removal (run by ns.sh in a pid namespace of its own, so that pkill
# sees the lab's processes only): a rival miner is killed by name and its file deleted, a
# firewall rule drops a pool port (stand-in iptables), and a file is
# locked with chattr +i and unlocked again.
set -u
mkdir -p "$LAB_DIR/comp" "$LAB_TMP/kc"
cp "$LAB_DIR/bin/labtool" "$LAB_DIR/comp/sysupdate"
"$LAB_DIR/comp/sysupdate" wait &
sleep 0.2
pkill -f sysupdate
wait
rm -f "$LAB_DIR/comp/sysupdate"
iptables -A OUTPUT -p tcp --dport 3333 -j DROP
echo '* * * * * /tmp/.x/ldr.sh' > "$LAB_TMP/kc/cron"
chattr +i "$LAB_TMP/kc/cron" || true
chattr -i "$LAB_TMP/kc/cron" || true
