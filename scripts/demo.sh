#!/usr/bin/env bash
# klp4j's most complete demonstration: a source patch for Debian's own kernel becomes a live-patch
# module, which is then proven in a QEMU guest booted from that kernel. Then the differ and the ELF
# layer on the shared corpus, when it is beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

example=examples/cmdline
echo "== 1. klp4j build $example/cmdline.patch  (target: Debian's linux-image-amd64 kernel)"
sed 's/^/   | /' "$example/cmdline.patch" | head -20
./klp4j build "$example/cmdline.patch" -n klp4j_demo -o "$work" -j "$(nproc)"
echo
echo "== 2. the module it made"
modinfo "$work/klp4j_demo.ko" | grep -E '^(name|vermagic|livepatch|license):'
./klp4j elf show "$work/klp4j_demo.ko" | grep -E '\.klp\.(rela|sym)' | head -6
echo
echo "== 3. klp4j vm test: check fails, load, check passes, unload, check fails, dmesg clean"
./klp4j vm test --module "$work/klp4j_demo.ko" --check "$example/check.sh"
echo
objs=../shared/kpatch-unit-objs/x86_64
if [ -d "$objs" ]; then
  echo "== 4. klp4j diff on every pair of the shared kpatch corpus (one JVM, in parallel)"
  ./klp4j diff --batch "$objs/expected.tsv" --out-dir "$work/diff" | tail -5
  echo "   ... (all rows: ./klp4j diff --batch $objs/expected.tsv --out-dir DIR)"
fi
