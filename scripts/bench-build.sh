#!/usr/bin/env bash
# Per-phase times of `klp4j build` for a one-file patch, per kernel release: once from an empty cache
# (for another suite's kernel that includes its build root, its packages and its source), once warm.
# Targets on a 2-core machine, host suite: < 60 s cold (packages installed), < 15 s warm.
#   scripts/bench-build.sh [--kernel RELEASE]... [PATCH]
#     (default: --kernel bookworm --kernel trixie, examples/cmdline/cmdline.patch)
set -euo pipefail
cd "$(dirname "$0")/.."
patch=examples/cmdline/cmdline.patch
kernels=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernels+=("$2"); shift 2 ;;
    -*) echo "bench-build: unknown option '$1' (--kernel RELEASE, then PATCH)" >&2; exit 2 ;;
    *) patch=$1; shift ;;
  esac
done
[ ${#kernels[@]} -gt 0 ] || kernels=(bookworm trixie)
[ -f "$patch" ] || { echo "bench-build: $patch: no such patch" >&2; exit 2; }
[ -f target/klp4j.jar ] || mvn -B -q -ntp -DskipTests package
out=$(mktemp -d /tmp/klp4j-bench-out.XXXXXX)
caches=()
trap 'rm -rf "$out" "${caches[@]}"' EXIT
summary=()
for kernel in "${kernels[@]}"; do
  cold=$(mktemp -d /tmp/klp4j-bench-cache.XXXXXX)
  caches+=("$cold")
  echo "== $kernel: cold (empty cache $cold)"
  t0=$(date +%s.%N)
  KLP4J_CACHE=$cold ./klp4j build "$patch" --kernel "$kernel" -o "$out" | sed 's/^/  /'
  t1=$(date +%s.%N)
  echo "== $kernel: warm"
  KLP4J_CACHE=$cold ./klp4j build "$patch" --kernel "$kernel" -o "$out" | sed 's/^/  /'
  t2=$(date +%s.%N)
  summary+=("$(printf '%-28s cold %6.1f s   warm %5.1f s   (wall, incl. JVM start)' "$kernel" "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)")")
  rm -rf "$cold"
done
echo "== per release"
printf '%s\n' "${summary[@]}"
echo "(targets for the host's suite: < 60 s cold, < 15 s warm; another suite's cold run also makes its build root)"
