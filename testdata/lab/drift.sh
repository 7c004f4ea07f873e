#!/bin/sh
# Scenario 5: drift. Write a 0755 binary under /tmp and run it, then run a program from a
# memfd. LAB_TMP is a directory under /tmp that the lab removes afterwards.
set -eu
mkdir -p "$LAB_TMP"
cp "$LAB_DIR/bin/labtool" "$LAB_TMP/kworkerds"
"$LAB_TMP/kworkerds" --background
"$LAB_DIR/bin/labtool" memexec lab-payload --background
