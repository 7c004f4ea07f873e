#!/bin/sh
# Kill chain, resource hijack: the stand-in cpulimit, nice running a program with a
# miner's name in its arguments, nmi_watchdog opened for writing (nothing written).
set -eu
cpulimit -l 50 -p $$
nice -n 19 "$LAB_DIR/bin/labtool" kdevtmpfsi
"$LAB_DIR/bin/labtool" nmiwatchdog
