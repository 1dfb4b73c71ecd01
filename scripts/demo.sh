#!/usr/bin/env bash
# The most complete demonstration klp4j has so far: read, show and rewrite a real kernel object.
set -euo pipefail
cd "$(dirname "$0")/.."
objs=../shared/kpatch-unit-objs/x86_64
[ -d "$objs" ] || { echo "demo: $objs not found (clone klp4j next to shared/)" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
echo "== klp4j elf show $objs/cmdline-ubsan.ORIG.o (first lines)"
./klp4j elf show "$objs/cmdline-ubsan.ORIG.o" | head -20
echo "== klp4j elf rewrite: every shared object, compared with readelf"
n=0
for f in "$objs"/*.o; do
  ./klp4j elf rewrite "$f" "$work/out.o"
  diff <(readelf --wide -S -s -r "$f" | sed -E 's/offset 0x[0-9a-f]+//; s/ ([0-9a-f]{16}) [0-9a-f]{6,} / \1 /') \
       <(readelf --wide -S -s -r "$work/out.o" | sed -E 's/offset 0x[0-9a-f]+//; s/ ([0-9a-f]{16}) [0-9a-f]{6,} / \1 /') >/dev/null \
    || { echo "demo: $f did not round-trip" >&2; exit 1; }
  n=$((n+1))
done
echo "$n objects round-tripped identically"
