#!/usr/bin/env bash
# make deb: klp4j itself as a Debian package, so hosts get it from the same apt repository as
# their klp4j-livepatch packages (which depend on it). What make install puts on a host, plus a
# control file and a postinst that enables klp4j.service.
#   scripts/make-deb.sh [OUTDIR]   (JAR=... to pick the jar; default target/klp4j.jar)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target}
jar=${JAR:-target/klp4j.jar}
[ -f "$jar" ] || { echo "make-deb: $jar not found: run 'make build' first" >&2; exit 2; }
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
[ -n "$version" ] || { echo "make-deb: no <version> in pom.xml" >&2; exit 2; }
stage=$(mktemp -d); trap 'rm -rf "$stage"' EXIT
JAR=$jar bash scripts/install.sh "$stage" >/dev/null
mkdir -p "$stage/DEBIAN"
( cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | sort | xargs md5sum ) > "$stage/DEBIAN/md5sums"
size=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
cat > "$stage/DEBIAN/control" <<CONTROL
Package: klp4j
Version: ${version}
Architecture: all
Maintainer: klp4j <root@localhost>
Installed-Size: ${size}
Depends: default-jre-headless (>= 2:1.17) | java17-runtime-headless, kmod
Section: kernel
Priority: optional
Description: Linux kernel live patching, written in Java
 Builds live-patch modules from source patches and Debian kernel updates,
 proves them in a VM, ships them as packages and applies them on hosts
 without a reboot (klp4j.service, with a crash guard and a status for
 vulnerability scanners).
CONTROL
cat > "$stage/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
    systemctl enable klp4j.service >/dev/null 2>&1 || true
fi
exit 0
POSTINST
cat > "$stage/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
    systemctl disable klp4j.service >/dev/null 2>&1 || true
fi
exit 0
PRERM
chmod 0755 "$stage/DEBIAN/postinst" "$stage/DEBIAN/prerm"
find "$stage" -type d -exec chmod 0755 {} +
mkdir -p "$out"
deb=$out/klp4j_${version}_all.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb.tmp" >/dev/null
mv "$deb.tmp" "$deb"
echo "$deb"
