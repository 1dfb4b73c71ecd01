#!/usr/bin/env bash
# The man page and the shell completion, generated from the commands themselves (picocli knows every
# option; help2man, Debian's tool, turns --help into a man page with one section per command).
#   scripts/make-docs.sh OUTDIR     writes OUTDIR/klp4j.1 and OUTDIR/klp4j.bash-completion
# KLP4J_CMD is how to run klp4j (default: java -jar target/klp4j.jar).
set -euo pipefail
out=${1:?usage: scripts/make-docs.sh OUTDIR}
cmd=${KLP4J_CMD:-java -jar target/klp4j.jar}
command -v help2man >/dev/null || { echo "make-docs: help2man not found: apt-get install help2man (scripts/install-deps.sh base does)" >&2; exit 2; }
mkdir -p "$out"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
# help2man runs a program: a two-line one that runs klp4j as given.
printf '#!/bin/sh\nexec %s "$@"\n' "$cmd" > "$work/klp4j"; chmod +x "$work/klp4j"
{
  echo "[COMMANDS]"
  echo "Each command's own --help:"
  for c in $("$work/klp4j" --help | sed -n '/^Commands:/,$p' | awk '/^  [a-z]/ {print $1}'); do
    [ "$c" = help ] && continue
    echo ".SS \"klp4j $c\""
    echo ".nf"
    # troff: a backslash is \e, a line starting with . or ' is escaped
    "$work/klp4j" "$c" --help | sed -e 's/\\/\\e/g' -e "s/^\([.']\)/\\\\\&\1/"
    echo ".fi"
  done
  echo "[EXIT STATUS]"
  echo "0 done; 1 a bug in klp4j; 2 bad input (one line names the cause); 3 nothing to do, or a refusal or failed proof; 4 a tool failed."
} > "$work/include"
help2man --no-info --name "build, prove and load Linux kernel live patches" --section 1 --include "$work/include" \
  --output "$out/klp4j.1" "$work/klp4j"
"$work/klp4j" generate-completion > "$out/klp4j.bash-completion"
