#!/usr/bin/env bash
# A header change at kernel scale: a static inline of include/linux/seq_file.h (seq_show_option,
# used by the mount-option code of a few dozen file systems) in a header that thousands of objects
# of this config include. Prints klp4j build's step lines: how many objects were considered and
# preprocessed, how many use the change and were compiled, and the times. Runs on the shared cache.
#   scripts/bench-header.sh [PATCH]   (default: scripts/bench/seq_file-inline.patch)
set -euo pipefail
cd "$(dirname "$0")/.."
patch=${1:-scripts/bench/seq_file-inline.patch}
[ -f target/klp4j.jar ] || mvn -B -q -ntp -DskipTests package
out=$(mktemp -d /tmp/klp4j-bench-out.XXXXXX)
trap 'rm -rf "$out"' EXIT
t0=$(date +%s.%N)
./klp4j build "$patch" -o "$out" | sed 's/^/  /'
t1=$(date +%s.%N)
printf 'wall incl. JVM start: %.1f s on %d core(s)\n' "$(echo "$t1 - $t0" | bc)" "$(nproc)"
