#!/bin/sh
# Scenario 7: miner host tuning. Open vm.nr_hugepages for writing (nothing is written) and
# try to load the msr module. The modprobe run here is the lab's stand-in under
# $LAB_DIR/bin, which loads nothing: no kernel module is ever loaded by the lab.
set -u
"$LAB_DIR/bin/labtool" hugepages
PATH="$LAB_DIR/bin:$PATH" modprobe msr allow_writes=on || true
