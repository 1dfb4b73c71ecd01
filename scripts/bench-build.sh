#!/usr/bin/env bash
# Per-phase times of `klp4j build` for a one-file patch: once from an empty source cache, once warm.
# Targets on a 2-core machine: < 60 s cold (packages installed), < 15 s warm.
#   scripts/bench-build.sh [PATCH]   (default: examples/cmdline/cmdline.patch)
# Until the differ (klp4j diff) is in this build, it stops after compiling (--compile-only) and says so.
set -euo pipefail
cd "$(dirname "$0")/.."
patch=${1:-examples/cmdline/cmdline.patch}
[ -f target/klp4j.jar ] || mvn -B -q -ntp -DskipTests package
cold=$(mktemp -d /tmp/klp4j-bench-cache.XXXXXX)
out=$(mktemp -d /tmp/klp4j-bench-out.XXXXXX)
trap 'rm -rf "$cold" "$out"' EXIT
extra=()
if ! ./klp4j diff --help >/dev/null 2>&1; then
  echo "bench: no differ in this build: timing up to the compile steps (--compile-only)"
  extra=(--compile-only)
fi
report() { # JSON summary on stdin -> one line per step
  python3 -c '
import json, sys
r = json.load(sys.stdin)
for s in r["steps"]:
    print("  %-18s %6.1f s" % (s["name"], s["seconds"]))
print("  %-18s %6.1f s  (%s)" % ("total", r["seconds"], sys.argv[1]))' "$1"
}
echo "cold (empty cache $cold):"
t0=$(date +%s.%N)
KLP4J_CACHE=$cold ./klp4j build "$patch" -o "$out" --json "${extra[@]}" 2>/dev/null | report "target < 60 s"
echo "warm:"
KLP4J_CACHE=$cold ./klp4j build "$patch" -o "$out" --json "${extra[@]}" 2>/dev/null | report "target < 15 s"
t1=$(date +%s.%N)
printf 'wall, both runs incl. JVM start: %.1f s\n' "$(echo "$t1 - $t0" | bc)"
