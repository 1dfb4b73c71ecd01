#!/usr/bin/env bash
# make bench-corpus: klp4j on real stable fixes. The difference between two of Debian's source
# packages of one series (6.1 for Debian 12, 6.12 for Debian 13) is cut into one patch per changed
# .c file (with the changed headers that file includes directly); patches are drawn in a seeded
# order; each is built for the kernel of the older source with --prove, and every outcome is
# classified:
#   proven      built, loaded in the VM, every object patched, unloaded, dmesg clean
#   refused     "cannot be live patched" with a rule (__init, data, notrace, ...): a true reason
#   no-change   the fix changes no code this config compiles (comments, #ifdef'd out, line numbers)
#   dependent   the patched file does not compile alone, or calls a function the target lacks:
#               the fix needs other changes of the range
#   not-built   this config does not build the file (not counted; another fix is drawn)
#   unprovable  built, but the guest cannot load the patched module (kvm_intel under TCG): not counted
#   DEFECT      anything else: klp4j's own error, a failed proof, a timeout
#   CRASH       the guest's kernel oopsed, BUGged or was tainted
# Writes docs/bench-corpus.md (table + summary line) and prints the summary line.
#   scripts/bench-corpus.sh [-n COUNT] [--seed S] [--from VER] [--to VER] [--kernel RELEASE] [--rerun]
# Work files (sources, patches, per-fix logs) stay in $KLP4J_CORPUS_DIR (default ~/.cache/klp4j/corpus):
# a second run only builds fixes without a result (--rerun forgets the results).
set -euo pipefail
# The whole script is one function, read before it runs: editing the file during a long run is safe.
main() {
cd "$(dirname "$0")/.."
repo=$PWD
from=6.1.176-1 to=6.1.187-1 kernel=6.1.0-50-amd64 count=100 seed=klp4j-corpus-1 rerun=0
report=$repo/docs/bench-corpus.md
while [ $# -gt 0 ]; do
  case "$1" in
    -n) count=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --from) from=$2; shift 2 ;;
    --to) to=$2; shift 2 ;;
    --kernel) kernel=$2; shift 2 ;;
    --rerun) rerun=1; shift ;;
    --report) report=$2; shift 2 ;;
    *) echo "bench-corpus: unknown argument '$1' (-n COUNT, --seed S, --from VER, --to VER, --kernel RELEASE, --rerun, --report FILE)" >&2; exit 2 ;;
  esac
done
work=${KLP4J_CORPUS_DIR:-$HOME/.cache/klp4j/corpus}/$from-$to
mkdir -p "$work"

# The source package of the series (linux-source-6.1, linux-source-6.12) and the apt that has it:
# the host's for its own suite; another suite's (Debian 13's kernel from this Debian 12 host) from a
# private apt configuration, never the host's, as klp4j's own build does.
series=$(echo "$from" | cut -d. -f1,2)
apt_opts=()
suite=$(case "$kernel" in *+deb13-*) echo trixie ;; *+deb14-*) echo forky ;; *) echo bookworm ;; esac)
if [ "$suite" != "$(. /etc/os-release && echo "$VERSION_CODENAME")" ]; then
  ad=$work/apt
  apt_opts=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$ad/sources.list" -o Dir::Etc::SourceParts=/dev/null -o "Dir::State=$ad/state"
            -o "Dir::State::status=$ad/state/status" -o "Dir::Cache=$ad/cache" -o APT::Architecture=amd64)
  if [ ! -f "$ad/updated" ]; then
    mkdir -p "$ad/state/lists/partial" "$ad/cache/archives/partial"; touch "$ad/state/status"
    k='[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]'
    printf 'deb %s http://deb.debian.org/debian %s main\ndeb %s http://deb.debian.org/debian-security %s-security main\n' \
      "$k" "$suite" "$k" "$suite" > "$ad/sources.list"
    apt-get -q "${apt_opts[@]}" update > /dev/null && touch "$ad/updated"
  fi
fi
# The target kernel's image and headers (the VM boots them; klp4j fetches the matching source
# itself). Another suite's kernel klp4j fetches into its cache itself.
if [ ${#apt_opts[@]} = 0 ] && { [ ! -e "/boot/vmlinuz-$kernel" ] || [ ! -e "/lib/modules/$kernel/build/Makefile" ]; }; then
  KLP4J_KERNEL=$kernel bash scripts/install-deps.sh kernel
fi
# A jar older than the sources would measure old code.
if [ ! -f target/klp4j.jar ] || [ -n "$(find src pom.xml -newer target/klp4j.jar -print -quit)" ]; then mvn -B -q -ntp -DskipTests package; fi
# The code measured is the sources as they are now (commits made during a long run are not in it).
measured=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src pom.xml || echo " with uncommitted changes")

# Both source trees, unpacked once (what a build never reads is left out, as klp4j's cache does).
unpack() {
  local ver=$1 dir=$work/src-$1
  [ -f "$dir/.done" ] && return 0
  rm -rf "$dir" "$work/dl-$ver"; mkdir -p "$dir" "$work/dl-$ver"
  echo "bench-corpus: fetching linux-source-$series $ver" >&2
  (cd "$work/dl-$ver" && apt-get download -q "${apt_opts[@]}" "linux-source-$series=$ver" >/dev/null)
  dpkg-deb --fsys-tarfile "$work"/dl-"$ver"/*.deb | tar -xO "./usr/src/linux-source-$series.tar.xz" \
    | tar -xJ -C "$dir" --strip-components=1 --wildcards --exclude='*/Documentation' --exclude='*/arch/[!x]*' \
        --exclude='*/tools' --exclude='*/samples' --exclude='*/scripts' --exclude='*/usr'
  rm -rf "$work/dl-$ver"; touch "$dir/.done"
}
unpack "$from"; unpack "$to"
a=$work/src-$from b=$work/src-$to

# The changed files (both sides exist: added or removed .c files are not fixes of running code).
if [ ! -f "$work/changed" ]; then
  (cd "$a" && diff -rq . "$b" 2>/dev/null || true) | sed -n 's|^Files \./\(.*\) and .* differ$|\1|p' | sort > "$work/changed"
fi
if [ ! -f "$work/new-headers" ]; then
  (cd "$a" && diff -rq . "$b" 2>/dev/null || true) | sed -n "s|^Only in $b/\{0,1\}\(.*\): \(.*\.h\)\$|\1/\2|p" | sed 's|^/||' | sort > "$work/new-headers"
fi
grep -E '\.h$' "$work/changed" | sort -u - "$work/new-headers" > "$work/changed-headers" || true
grep -E '\.c$' "$work/changed" | grep -vE '^(arch/[^x]|Documentation/|tools/|scripts/|samples/|usr/)' > "$work/changed-c" || true

# The changed (or new) headers a .c file includes ("x.h" beside the includer, <x/y.h> from the
# include dirs), and the new headers those include in turn (a changed header may need a header the
# range added). Changed headers of changed headers are not followed: over eleven stable updates
# that closure grows to dozens of headers that the fix does not need.
includes_of() {
  local f=$1 dir inc p
  dir=$(dirname "$f")
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1/p' "$b/$f" | while read -r inc; do
    p=${inc:1:${#inc}-2}
    case "$inc" in
      \"*) realpath -m --relative-to="$b" "$b/$dir/$p" ;;
      *) printf '%s\n' "include/$p" "include/uapi/$p" "arch/x86/include/$p" "arch/x86/include/uapi/$p" ;;
    esac
  done | sort -u | comm -12 - "$work/changed-headers"
}
headers_of() {
  local f=$1 direct h n
  direct=$(includes_of "$f")
  {
    printf '%s\n' $direct
    for h in $direct; do
      for n in $(includes_of "$h"); do grep -qxF "$n" "$work/new-headers" && echo "$n"; done
    done
  } | sed '/^$/d' | sort -u
}

# One patch per .c file, in the seeded order.
mkdir -p "$work/fixes" "$work/results"
order=$work/order-$seed
if [ ! -f "$order" ]; then
  while read -r f; do
    printf '%s %s\n' "$(printf '%s' "$seed:$f" | sha256sum | cut -c1-16)" "$f"
  done < "$work/changed-c" | sort | cut -d' ' -f2 > "$order"
fi
# FILE OUT [with-headers]: the fix of FILE alone, or with the changed headers it includes. Headers
# are added only when the file does not compile without them: over eleven stable updates, fs.h
# and the like change for unrelated fixes, and carrying those would measure a different patch.
patch_for() {
  local f=$1 out=$2 h
  : > "$out"
  for h in $([ "${3:-}" = with-headers ] && headers_of "$f") "$f"; do
    if [ -e "$a/$h" ]; then diff -u --label "a/$h" --label "b/$h" "$a/$h" "$b/$h" >> "$out" || true
    else diff -u --label /dev/null --label "b/$h" /dev/null "$b/$h" >> "$out" || true; fi # a header the fix adds
  done
}

build_fix() { # ID PATCH RESULT: klp4j build --prove, unless RESULT.rc says it ran before
  local id=$1 fix=$2 res=$3
  [ "$rerun" = 0 ] && [ -f "$res.rc" ] && return 0
  rm -rf "$work/out-$id"; mkdir -p "$work/out-$id"
  set +e
  timeout 1800 ./klp4j build "$fix" -n "corpus_$id" --kernel "$kernel" -o "$work/out-$id" --prove --guest-runtime shell \
    < /dev/null > "$res.log" 2>&1
  echo $? > "$res.rc"
  set -e
  rm -rf "$work/out-$id"
}

classify() { # LOG RC -> "class<TAB>detail"
  local log=$1 rc=$2 why serial crash
  why=$(grep -m1 -E '^klp4j: ' "$log" | sed 's/^klp4j: //' || true)
  # What the guest's kernel said: the dmesg klp4j printed, and the serial log a failed proof keeps
  # (the phase line "dmesg pass  no WARN, BUG, Oops ..." is klp4j's, not the kernel's).
  serial=$(sed -n 's/.*serial log: \([^ ;]*\).*/\1/p' "$log" | tail -1)
  crash=$( { grep -vE '^  [a-z-]+ +(pass|FAIL) ' "$log"; [ -n "$serial" ] && [ -f "$serial" ] && grep -vE '^(KLP4J |klp4j: phase )' "$serial"; } \
    | grep -m1 -E 'BUG: |Oops|general protection fault|kernel BUG at|Kernel panic|Tainted: .*[WD]' | sed 's/^ *//' || true)
  if [ -n "$crash" ]; then
    printf 'CRASH\t%s\n' "$crash"
  elif [ "$rc" = 0 ] && grep -q '^prove: PASS' "$log"; then
    printf 'proven\t%s\n' "$(grep -m1 '^owners' "$log" | sed 's/^owners *[0-9.]* s *//')"
  elif grep -q "can't load module .*Operation not supported" "$log"; then
    # The target module needs hardware QEMU's TCG does not emulate (kvm_intel: VMX).
    printf 'unprovable\t%s\n' "$(grep -m1 -o "can't load module [^ ]*" "$log")"
  elif [ "$rc" = 124 ]; then
    printf 'DEFECT\ttimed out\n'
  elif grep -q 'not built by this kernel.s config' "$log"; then
    printf 'not-built\t%s\n' "$why"
  elif grep -q 'no patchable change' "$log"; then
    printf 'no-change\t%s\n' "$why"
  elif grep -qE 'cannot be live patched' "$log"; then
    printf 'refused\t%s\n' "$(grep -A1 'cannot be live patched' "$log" | tail -1 | sed 's/^ *//')"
  elif grep -q 'referenced by the patch but neither exported nor found' "$log"; then
    # The fix calls a function another change of the range adds: the target kernel has no such symbol.
    printf 'dependent\t%s\n' "$why"
  elif grep -qE '^compile (patched|sources) .* failed' "$log"; then
    # cut counts bytes: drop a character it cut in half, or read would refuse the line.
    printf 'dependent\t%s\n' "$(grep -m1 -E 'error:' "$log" | sed 's/^ *//' | cut -c1-160 | iconv -c -f UTF-8 -t UTF-8)"
  else
    printf 'DEFECT\t%s\n' "${why:-exit $rc}"
  fi
}

counted=0 n=0
: > "$work/table"
while read -r f && [ "$counted" -lt "$count" ]; do
  n=$((n + 1))
  id=$(printf '%03d' "$n")
  fix=$work/fixes/$id.patch res=$work/results/$id
  [ -f "$fix" ] || patch_for "$f" "$fix"
  build_fix "$id" "$fix" "$res"
  IFS=$'\t' read -r class detail < <(classify "$res.log" "$(cat "$res.rc")")
  headers=0
  if [ "$class" = dependent ] && [ -n "$(headers_of "$f")" ]; then
    fix=$work/fixes/$id-h.patch res=$work/results/$id-h
    [ -f "$fix" ] || patch_for "$f" "$fix" with-headers
    build_fix "$id" "$fix" "$res"
    IFS=$'\t' read -r class detail < <(classify "$res.log" "$(cat "$res.rc")")
    headers=$(($(grep -c '^+++ ' "$fix") - 1))
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$id" "$f" "$headers" "$class" "$detail" >> "$work/table"
  printf 'bench-corpus: %s %-60s %-10s %s\n' "$id" "$f" "$class" "${detail:0:100}" >&2
  [ "$class" = not-built ] || [ "$class" = unprovable ] || counted=$((counted + 1))
done < "$order"

count_of() { awk -F'\t' -v c="$1" '$4 == c' "$work/table" | wc -l; }
proven=$(count_of proven) refused=$(count_of refused) nochange=$(count_of no-change) dependent=$(count_of dependent)
defect=$(count_of DEFECT) crash=$(count_of CRASH) notbuilt=$(count_of not-built) unprovable=$(count_of unprovable)
alone=$((counted - dependent)) right=$((proven + refused + nochange))
pct=$(awk -v r="$right" -v t="$alone" 'BEGIN { printf "%.0f", t ? 100 * r / t : 0 }')
summary="corpus $from -> $to on $kernel (seed $seed): $counted fixes ($notbuilt not built for amd64 skipped$([ "$unprovable" = 0 ] || echo ", $unprovable not loadable in the VM skipped")); $alone build alone: $proven proven, $refused refused with a rule, $nochange no patchable change, $defect klp4j defects, $crash crashes = $pct% right; $dependent depend on other changes"
{
  echo "# Corpus benchmark: real stable fixes, Debian linux-source-$series $from -> $to"
  echo
  echo "Made by \`make $(basename "$report" .md)\` (scripts/bench-corpus.sh) on $(date -u +%Y-%m-%d), klp4j $measured."
  echo "One patch per changed \`.c\` file (with the changed headers it includes directly when it does not compile"
  echo "without them), drawn in the order of"
  echo "sha256(\"$seed:<file>\"), built for $kernel (source $from) with \`--prove --guest-runtime shell\`."
  echo
  echo "**$summary**"
  echo
  echo "| # | file | headers | outcome | detail |"
  echo "|---|---|---|---|---|"
  awk -F'\t' '{ gsub(/\|/, "\\|", $5); printf "| %s | `%s` | %s | %s | %s |\n", $1, $2, $3, $4, substr($5, 1, 160) }' "$work/table"
} > "$report"
echo "$summary"
}
main "$@"
