#!/usr/bin/env bash
# Installs klp4j on a host: the jar, a /usr/bin/klp4j launcher, the klp4j.service unit that
# loads installed patches at boot, the man page and the bash completion.   scripts/install.sh [DESTDIR]   (JAR=... to pick the jar)
set -euo pipefail
cd "$(dirname "$0")/.."
dest=${1:-}
jar=${JAR:-target/klp4j.jar}
[ -f "$jar" ] || { echo "install: $jar not found: run 'make build' first" >&2; exit 2; }
install -D -m 0644 "$jar" "$dest/usr/lib/klp4j/klp4j.jar"
install -d "$dest/usr/bin"
cat > "$dest/usr/bin/klp4j" <<'LAUNCHER'
#!/bin/sh
exec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -jar /usr/lib/klp4j/klp4j.jar "$@"
LAUNCHER
chmod 0755 "$dest/usr/bin/klp4j"
install -D -m 0644 packaging/klp4j.service "$dest/lib/systemd/system/klp4j.service"
# The man page and bash completion (zsh: autoload bashcompinit), made from the jar's own commands.
docs=$(mktemp -d); trap 'rm -rf "$docs"' EXIT
KLP4J_CMD=${KLP4J_CMD:-java -jar $jar} bash scripts/make-docs.sh "$docs"
gzip -9n "$docs/klp4j.1"
install -D -m 0644 "$docs/klp4j.1.gz" "$dest/usr/share/man/man1/klp4j.1.gz"
install -D -m 0644 "$docs/klp4j.bash-completion" "$dest/usr/share/bash-completion/completions/klp4j"
install -d -m 0755 "$dest/var/lib/klp4j"
if [ -z "$dest" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl daemon-reload && systemctl enable klp4j.service
fi
echo "installed klp4j into ${dest:-/} (enable at boot: systemctl enable klp4j)"
