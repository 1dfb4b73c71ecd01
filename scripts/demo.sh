#!/usr/bin/env bash
# klp4j's most complete demonstration: one source patch becomes a live-patch module for Debian 12's
# and Debian 13's current kernels, each proven in a QEMU guest booted from its kernel; then the
# review of an unsafe patch; then the differ and the ELF layer on the shared corpus, when it is
# beside the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

example=examples/cmdline
echo "== 1. klp4j build $example/cmdline.patch --kernel bookworm --kernel trixie"
echo "      (Debian 12's and Debian 13's current kernels: gcc 12 on this host, gcc 14 in a trixie build root)"
sed 's/^/   | /' "$example/cmdline.patch" | head -20
./klp4j build "$example/cmdline.patch" --kernel bookworm --kernel trixie -n klp4j_demo -o "$work" -j "$(nproc)"
echo
echo "== 2. the modules it made, one per kernel"
for ko in "$work"/*/klp4j_demo.ko; do
  modinfo "$ko" | grep -E '^(vermagic|livepatch):'
done
./klp4j elf show "$(ls "$work"/*/klp4j_demo.ko | head -1)" | grep -E '\.klp\.(rela|sym)' | head -6
echo
echo "== 3. klp4j vm test on each kernel: check fails, load, check passes, unload, check fails, dmesg clean"
for ko in "$work"/*/klp4j_demo.ko; do
  release=$(basename "$(dirname "$ko")")
  echo "-- $release"
  ./klp4j vm test --kernel "$release" --module "$ko" --check "$example/check.sh" --guest-runtime shell
done
echo
echo "== 4. klp4j review: what a human would otherwise have to see (examples/unsafe-type-layout)"
./klp4j review examples/unsafe-type-layout/unsafe.patch -j "$(nproc)" | grep -E '^(unsafe|needs-care|review:)' || true
echo
objs=../shared/kpatch-unit-objs/x86_64
if [ -d "$objs" ]; then
  echo "== 5. klp4j diff on every pair of the shared kpatch corpus (one JVM, in parallel)"
  ./klp4j diff --batch "$objs/expected.tsv" --out-dir "$work/diff" | tail -5
  echo "   ... (all rows: ./klp4j diff --batch $objs/expected.tsv --out-dir DIR)"
fi
