#!/usr/bin/env bash
# make bench-update: klp4j update on real Debian kernel updates, each to the end, with --prove:
#   Debian 12: 6.1.0-53-amd64 (source 6.1.187-1) -> 6.1.190-1
#   Debian 13: 6.12.117+deb13-amd64 (source 6.12.117-1) -> 6.12.118-1
# Writes docs/update.md: per range the fixes per class, the CVEs, whether the module was proven,
# the time and the pace (fixes decided per minute), and every needs-reboot reason, to be read.
#   scripts/bench-update.sh [RELEASE:VERSION]...   (default: the two ranges above)
# Work files (modules, update.json, logs) stay in $KLP4J_BENCH_DIR (default ~/.cache/klp4j/bench-update).
# Decisions are cached by content and klp4j build: a rerun with the same jar (KLP4J_JAR) decides
# only what changed, and its time is then the module's and the proof's, not the decisions'.
set -euo pipefail
cd "$(dirname "$0")/.."
ranges=("$@")
[ ${#ranges[@]} = 0 ] && ranges=(6.1.0-53-amd64:6.1.190-1 6.12.117+deb13-amd64:6.12.118-1)
work=${KLP4J_BENCH_DIR:-$HOME/.cache/klp4j/bench-update}
report=docs/update.md
mkdir -p "$work"
# A copy: a rebuild of target/ during the hours of a run must not change the classes under it.
# KLP4J_JAR=FILE runs that jar instead (the one an earlier run decided with: its decisions are reused).
jar=${KLP4J_JAR:-$work/klp4j.jar}
if [ -z "${KLP4J_JAR:-}" ]; then
  if [ ! -f target/klp4j.jar ] || [ -n "$(find src pom.xml -newer target/klp4j.jar -print -quit)" ]; then mvn -B -q -ntp -DskipTests package; fi
  cp target/klp4j.jar "$jar"
fi

{
  echo "# klp4j update on real Debian kernel updates"
  echo
  echo "Written by \`make bench-update\` (scripts/bench-update.sh) on $(date -u +%Y-%m-%d), $(nproc) cores, \`-j $(nproc)\`, with \`--prove\`."
  echo "Each fix is one changed file of the range (a C file with the changed headers it needs to compile, or a"
  echo "header no such fix took along); \"pace\" counts fixes decided per minute of the whole run."
  echo
  echo "| release | from -> to | fixes | live-patched | needs-reboot | no-change | not-built | CVEs live / reboot / not affected | module | time | pace |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
} > "$work/table.md"
: > "$work/reasons.md"
for r in "${ranges[@]}"; do
  release=${r%%:*} to=${r#*:}
  out=$work/$release-$to
  rm -rf "$out"; mkdir -p "$out"
  echo "bench-update: $release -> $to" >&2
  t0=$(date +%s)
  set +e
  java -jar "$jar" update --kernel "$release" --to "$to" -o "$out" -j "$(nproc)" --prove --json > "$out/update.out.json" 2> "$out/update.log"
  rc=$?
  set -e
  secs=$(( $(date +%s) - t0 ))
  doc=$out/$release/update.json
  if [ ! -f "$doc" ]; then
    failed=1
    echo "| $release | -> $to | klp4j exited $rc: $(grep -m1 '^klp4j: ' "$out/update.log" || tail -1 "$out/update.log") | | | | | | | ${secs} s | |" >> "$work/table.md"
    continue
  fi
  jq -r --arg secs "$secs" --arg rc "$rc" '
    def n(s): .counts[s];
    "| \(.release) | \(.from) -> \(.to) | \(.fixes|length) | \(n("live-patched")) | \(n("needs-reboot")) | \(n("no-change")) | \(n("not-built")) | \(.cves.live_patched|length) / \(.cves.needs_reboot|length) / \(.cves.not_affected|length) | \(if .module == null then "none" elif .proven then "proven" else "NOT proven (exit \($rc))" end) | \($secs) s | \((.fixes|length) * 60 / ($secs|tonumber) | floor)/min |"
  ' "$doc" >> "$work/table.md"
  {
    echo
    echo "## $release: $(jq -r '"\(.from) -> \(.to)"' "$doc"): what needs a reboot, and why"
    echo
    jq -r '.fixes[] | select(.status == "needs-reboot") | "- `\(.id)`: \(.reason)\(if (.cves|length) > 0 then " (" + (.cves|join(", ")) + ")" else "" end)"' "$doc"
  } >> "$work/reasons.md"
done
# docs/update.md is rewritten only by a run whose every range wrote its update.json: a failed run
# must not replace the page's figures with its error (it is kept in the work directory instead).
if [ "${failed:-0}" = 0 ]; then
  cat "$work/table.md" "$work/reasons.md" > "$report"
else
  cat "$work/table.md" "$work/reasons.md" > "$work/update.md"
  echo "bench-update: a range failed; $report left as it was, this run's page is $work/update.md" >&2
fi
cat "$work/table.md"
