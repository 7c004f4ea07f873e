#!/bin/sh
# Look-alikes of the kill chain, benign (run by ns.sh): a CI build. make downloads a tool
# into the workspace, makes it executable and runs it, pipes an installer from curl into sh,
# and runs a generated script from a temporary directory. Everything is below make: no
# finding.
set -eu
ws="$LAB_DIR/ci/workspace"
mkdir -p "$ws"
printf '%s\n' \
	'all:' \
	'	mkdir -p bin' \
	'	curl -fsS -o bin/lint.sh http://downloads.example.org/tools/lint.sh' \
	'	chmod +x bin/lint.sh' \
	'	./bin/lint.sh' \
	'	curl -fsS http://downloads.example.org/tools/setup.sh | sh' \
	'	t=$$(mktemp -d) && curl -fsS -o $$t/gen.sh http://downloads.example.org/tools/gen.sh && chmod +x $$t/gen.sh && $$t/gen.sh && rm -rf $$t' \
	> "$ws/Makefile"
make -s -C "$ws"
