#!/bin/sh
# Scenario 8: ordinary work that must produce no finding. DNS lookups of ordinary names, a
# download from an ordinary name into a package-manager-like tree, a service answering on
# loopback, a compile when gcc is present, files written in a temporary directory.
set -eu
"$LAB_DIR/bin/labtool" lookup www.example.com downloads.example.org
"$LAB_DIR/bin/labtool" fetch http://downloads.example.org/pool/labpkg_1.0_amd64.deb "$LAB_DIR/var/lib/labpkg"
if command -v curl >/dev/null 2>&1; then
	curl -fsS -o "$LAB_DIR/var/lib/labpkg/Release" http://downloads.example.org/dists/Release
fi
"$LAB_DIR/bin/labtool" serve
work=$(mktemp -d)
echo 'state' > "$work/lock"
mv "$work/lock" "$work/lock.done"
rm -rf "$work"
if command -v gcc >/dev/null 2>&1; then
	mkdir -p "$LAB_DIR/build"
	printf '#include <stdio.h>\nint main(void) { puts("hello"); return 0; }\n' > "$LAB_DIR/build/hello.c"
	gcc -O1 -o "$LAB_DIR/build/hello" "$LAB_DIR/build/hello.c"
	"$LAB_DIR/build/hello"
fi
