#!/usr/bin/env bash
# Builds every example in examples/: each buildable one must produce NAME.ko, each refusal
# (a directory with an `expect` file: "STATUS reason") must exit with that status.
# With --vm, each module built is then proven in the VM (klp4j vm test with the example's check.sh).
#   scripts/build-examples.sh [--vm] [OUTDIR]      (default: target/examples)
set -uo pipefail
cd "$(dirname "$0")/.."
vm=0
if [ "${1:-}" = --vm ]; then vm=1; shift; fi
out=${1:-target/examples}
mkdir -p "$out"
pass=0 fail=0
for dir in examples/*/; do
  name=$(basename "$dir")
  patch="$dir$name.patch"
  [ -f "$patch" ] || continue
  log="$out/$name.log"
  ./klp4j build "$patch" -n "klp4j_${name//-/_}" -o "$out" -j "$(nproc)" >"$log" 2>&1
  status=$?
  want=0
  if [ -f "$dir/expect" ]; then want=$(cut -d' ' -f1 "$dir/expect"); fi
  if [ "$status" = 0 ] && [ "$vm" = 1 ] && [ -x "$dir/check.sh" ]; then
    ./klp4j vm test --module "$out/klp4j_${name//-/_}.ko" --check "$dir/check.sh" >"$out/$name.vm.log" 2>&1
    vstatus=$?
    if [ "$vstatus" != 0 ]; then
      fail=$((fail + 1)); echo "FAIL $name: built, but the VM proof failed; see $out/$name.vm.log"; tail -8 "$out/$name.vm.log" | sed 's/^/     /'
      continue
    fi
  fi
  if [ "$status" = "$want" ]; then
    pass=$((pass + 1)); echo "ok   $name (exit $status$([ "$vm" = 1 ] && [ "$status" = 0 ] && echo ", proven in the VM"))"
  else
    fail=$((fail + 1)); echo "FAIL $name: exit $status, expected $want; see $log"; tail -3 "$log" | sed 's/^/     /'
  fi
done
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
