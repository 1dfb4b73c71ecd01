#!/usr/bin/env bash
# Per-phase times of `klp4j build` for a one-file patch: once from an empty source cache, once warm.
# Targets on a 2-core machine: < 60 s cold (packages installed), < 15 s warm.
#   scripts/bench-build.sh [PATCH]   (default: examples/cmdline/cmdline.patch)
set -euo pipefail
cd "$(dirname "$0")/.."
patch=${1:-examples/cmdline/cmdline.patch}
[ -f target/klp4j.jar ] || mvn -B -q -ntp -DskipTests package
cold=$(mktemp -d /tmp/klp4j-bench-cache.XXXXXX)
out=$(mktemp -d /tmp/klp4j-bench-out.XXXXXX)
trap 'rm -rf "$cold" "$out"' EXIT
echo "cold (empty cache $cold):"
t0=$(date +%s.%N)
KLP4J_CACHE=$cold ./klp4j build "$patch" -o "$out" | sed 's/^/  /'
echo "  (target: < 60 s from an empty cache)"
echo "warm:"
KLP4J_CACHE=$cold ./klp4j build "$patch" -o "$out" | sed 's/^/  /'
echo "  (target: < 15 s warm)"
t1=$(date +%s.%N)
printf 'wall, both runs incl. JVM start: %.1f s\n' "$(echo "$t1 - $t0" | bc)"
