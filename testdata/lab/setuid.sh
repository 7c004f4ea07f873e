#!/bin/sh
# Scenario 4: a dropper plants a copy of a binary and gives it the setuid bit.
# LAB_DIR is the lab's working directory (not a temporary directory).
set -eu
mkdir -p "$LAB_DIR/drop"
cp "$LAB_DIR/bin/labtool" "$LAB_DIR/drop/.sshd"
chmod u+s "$LAB_DIR/drop/.sshd"
rm -f "$LAB_DIR/drop/.sshd"
