#!/usr/bin/env bash
# Builds every example in examples/: each buildable one must produce NAME.ko, each refusal
# (a directory with an `expect` file: "STATUS reason") must exit with that status.
#   scripts/build-examples.sh [OUTDIR]      (default: target/examples)
# Until the differ (klp4j diff) is in this build, it checks that each patch applies and compiles.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/examples}
mkdir -p "$out"
extra=()
if ! ./klp4j diff --help >/dev/null 2>&1; then
  echo "examples: no differ in this build: checking that each patch applies and compiles (--compile-only)"
  extra=(--compile-only)
fi
pass=0 fail=0
for dir in examples/*/; do
  name=$(basename "$dir")
  patch="$dir$name.patch"
  [ -f "$patch" ] || continue
  log="$out/$name.log"
  ./klp4j build "$patch" -n "klp4j_${name//-/_}" -o "$out" -j "$(nproc)" "${extra[@]}" >"$log" 2>&1
  status=$?
  want=0
  if [ -f "$dir/expect" ] && [ ${#extra[@]} = 0 ]; then want=$(cut -d' ' -f1 "$dir/expect"); fi
  if [ "$status" = "$want" ]; then
    pass=$((pass + 1)); echo "ok   $name (exit $status)"
  else
    fail=$((fail + 1)); echo "FAIL $name: exit $status, expected $want; see $log"; tail -3 "$log" | sed 's/^/     /'
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
