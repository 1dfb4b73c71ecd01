#!/usr/bin/env bash
# make demo-fleet: the fleet story in a QEMU guest that boots a real Debian 12 root (mmdebstrap:
# systemd, apt, the distribution's own kernel and initramfs), the way it runs in production:
#   1. install: apt installs klp4j and a live-patch package from a signed klp4j repository served
#      by this host; the package's postinst applies it.
#   2. boot:    after a reboot klp4j.service applies it again; installing the previous package
#      version rolls the patch back (replace mode).
#   3. crash:   a patch whose new function is BUG() is installed and applied; /proc/cmdline is read,
#      the kernel oopses (oops=panic) and the machine goes down.
#   4. after-crash: at the next boot the crash guard skips it and klp4j status says why; then, with
#      module.sig_enforce=1, a module signed by a key the kernel does not trust is refused as such,
#      and an unsigned one gets klp4j's refusal before insmod.
# Exit 0 only if every step showed what it must; prints what each showed.
#   scripts/demo-fleet.sh [--keep]   (work files in $KLP4J_DEMO_DIR, default ~/.cache/klp4j/demo-fleet)
set -euo pipefail
cd "$(dirname "$0")/.."
keep=0; [ "${1:-}" = --keep ] && keep=1
work=${KLP4J_DEMO_DIR:-$HOME/.cache/klp4j/demo-fleet}
cache=$HOME/.cache/klp4j/fleet-roots
mkdir -p "$work" "$cache"
klp4j() { java -jar target/klp4j.jar "$@"; }
fail() { echo "demo-fleet: FAILED: $*" >&2; exit 1; }

# The kernel: Debian 12's current one (the host's), never hard-coded.
R=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{sub("linux-image-","",$2); print $2; exit}')
[ -n "$R" ] || fail "cannot tell which kernel linux-image-amd64 points to (apt-get update?)"
V=$(dpkg-query -W -f='${Version}' "linux-image-$R" 2>/dev/null) || fail "linux-image-$R is not installed here (scripts/install-deps.sh kernel)"
pkg=klp4j-livepatch-$R
echo "== the target: $R, Debian build $V"

# -- the patches: /proc/cmdline's handler prints a marker (v1, v2), or hits BUG() (crash)
rm -rf "$work/debs" "$work/repo"; mkdir -p "$work/build" "$work/debs"
mkpatch() { # NAME BODY-LINE: a module already built from the same patch by the same jar is kept
  sed "s|	seq_printf(m, \"%s klp4j_cmdline=1\\\\n\", saved_command_line);|$2|" examples/cmdline/cmdline.patch > "$work/build/$1.patch.new"
  ! grep -q 'klp4j_cmdline=1' "$work/build/$1.patch.new" || fail "could not make $1.patch"
  if ! cmp -s "$work/build/$1.patch.new" "$work/build/$1.patch" || [ target/klp4j.jar -nt "$work/build/$1.patch" ]; then
    rm -rf "$work/build/$1"; mv "$work/build/$1.patch.new" "$work/build/$1.patch"
  fi
}
mkpatch v1 '	seq_printf(m, "%s klp4j_fleet=1\\n", saved_command_line);'
mkpatch v2 '	seq_printf(m, "%s klp4j_fleet=2\\n", saved_command_line);'
mkpatch crash '	BUG();'
for n in v1 v2 crash; do
  [ -n "$(find "$work/build/$n" -name "klp4j_fleet_$n.ko" 2>/dev/null)" ] && { echo "== klp4j build $n.patch: built before"; continue; }
  echo "== klp4j build $n.patch --kernel $R"
  klp4j build "$work/build/$n.patch" --kernel "$R" -n "klp4j_fleet_$n" -o "$work/build/$n" -j "$(nproc)" > "$work/build/$n.log" 2>&1 \
    || { tail -5 "$work/build/$n.log"; fail "klp4j build $n"; }
done
find_ko() { find "$work/build/$1" -name "klp4j_fleet_$1.ko" | head -1; }
openssl req -new -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=klp4j demo (not enrolled)/" \
  -keyout "$work/build/untrusted.key" -out "$work/build/untrusted.pem" 2>/dev/null
echo "== klp4j package: one package name, five versions"
klp4j package "$(find_ko v1)" --built-for "$V" --revision 1 -o "$work/debs"
klp4j package "$(find_ko v2)" --built-for "$V" --revision 2 -o "$work/debs"
klp4j package "$(find_ko crash)" --built-for "$V" --revision 3 -o "$work/debs"
klp4j package "$(find_ko v1)" --built-for "$V" --revision 4 -o "$work/debs" --sign-key "$work/build/untrusted.key" --sign-cert "$work/build/untrusted.pem"
klp4j package "$(find_ko v2)" --built-for "$V" --revision 5 -o "$work/debs"
bash scripts/make-deb.sh "$work/debs" >/dev/null
deb() { echo "$work/debs/${pkg}_$V+$1_amd64.deb"; }

echo "== klp4j repo: canary, then promote to stable (the ring the guest follows)"
gpghome=$work/gnupg
klp4j repo add "$work/repo" "$work"/debs/klp4j_*_all.deb "$(deb 1)" "$(deb 2)" --ring canary --gnupg-home "$gpghome"
klp4j repo promote "$work/repo" klp4j --from canary --to stable --gnupg-home "$gpghome"
klp4j repo promote "$work/repo" "$pkg=$V+1" --from canary --to stable --gnupg-home "$gpghome"
klp4j repo promote "$work/repo" "$pkg=$V+2" --from canary --to stable --gnupg-home "$gpghome"

# -- the guest's root: Debian 12 with systemd, apt, Java and the kernel build $V (cached per build)
base=$cache/bookworm-$R-$V.tar
if [ ! -f "$base" ]; then
  echo "== mmdebstrap a Debian 12 root with linux-image-$R (once; a few minutes)"
  mmdebstrap --variant=minbase --format=tar --include=systemd-sysv,udev,kmod,initramfs-tools,"linux-image-$R",default-jre-headless,iproute2,procps \
    --customize-hook='echo klp4j-guest > "$1/etc/hostname"' \
    --customize-hook='printf "/dev/vda / ext4 defaults 0 1\n" > "$1/etc/fstab"' \
    --customize-hook='mkdir -p "$1/etc/systemd/network" && printf "[Match]\nName=en*\n[Network]\nDHCP=yes\n" > "$1/etc/systemd/network/80-dhcp.network"' \
    --customize-hook='chroot "$1" systemctl enable systemd-networkd' \
    --customize-hook='chroot "$1" passwd -d root' \
    --customize-hook='rm -f "$1/etc/apt/sources.list"' \
    bookworm "$base.tmp" \
    "deb http://deb.debian.org/debian bookworm main" "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" || fail "mmdebstrap"
  mv "$base.tmp" "$base"
fi

# -- serve the repository to the guest (QEMU's user network: the host is 10.0.2.2)
port=$(( 20000 + RANDOM % 20000 ))
busybox httpd -f -p "127.0.0.1:$port" -h "$work/repo" & httpd=$!
trap 'kill $httpd 2>/dev/null || true; [ $keep = 1 ] || rm -rf "$work/root" "$work/disk.img"' EXIT

echo "== the guest's disk: the root, the repository's key and source, the demo's steps"
rm -rf "$work/root"; mkdir -p "$work/root"
tar -C "$work/root" -xpf "$base"
[ -f "$work/root/boot/initrd.img-$R" ] || fail "the root has no initramfs for $R"
install -D -m 0644 "$work/repo/klp4j-archive-keyring.asc" "$work/root/etc/apt/keyrings/klp4j.asc"
echo "deb [signed-by=/etc/apt/keyrings/klp4j.asc] http://10.0.2.2:$port/ stable main" > "$work/root/etc/apt/sources.list.d/klp4j.list"
cat > "$work/root/usr/local/sbin/klp4j-demo-step" <<STEP
#!/bin/sh
# One step of make demo-fleet, named by klp4j.demo=STEP on the kernel command line; then power off.
step=\$(tr ' ' '\n' < /proc/cmdline | sed -n 's/^klp4j.demo=//p')
say() { echo "KLP4J-DEMO[\$step] \$*" > /dev/ttyS0; }
status() { say "status: \$(klp4j status --json | tr -d '\n' | tr -s ' ')"; }
cmdline() { say "cmdline: \$(cat /proc/cmdline)"; }
apt_install() { say "apt-get install \$*"; DEBIAN_FRONTEND=noninteractive apt-get install -y -q --allow-downgrades "\$@" 2>&1 | sed 's/^/  apt: /' > /dev/ttyS0; }
case "\$step" in
  install)
    apt-get update -q 2>&1 | sed 's/^/  apt: /' > /dev/ttyS0
    apt_install klp4j $pkg=$V+2
    status; cmdline ;;
  boot)
    status; cmdline
    apt_install $pkg=$V+1
    status; cmdline ;;
  crash)
    apt-get update -q > /dev/null 2>&1
    # the patched function runs all the time, as a busy system's would: within the quiet period
    (while :; do cat /proc/cmdline > /dev/null; sleep 1; done) &
    apt_install $pkg=$V+3
    say "alive after installing the BUG() patch"; status
    cmdline
    say "still alive after reading /proc/cmdline" ;;
  after-crash)
    status; cmdline
    # the crash cut the package's postinst short: dpkg runs it again, and the guard keeps the patch out
    say "dpkg --configure -a"
    dpkg --configure -a 2>&1 | sed 's/^/  dpkg: /' > /dev/ttyS0
    status
    # the crash may also have torn apt's lists (written just before it): fetch them whole again
    rm -rf /var/lib/apt/lists/*
    apt-get update -q 2>&1 | sed 's/^/  apt: /' > /dev/ttyS0
    apt_install $pkg=$V+4
    status
    apt_install $pkg=$V+5
    status ;;
esac
say "done"
systemctl poweroff
STEP
chmod 0755 "$work/root/usr/local/sbin/klp4j-demo-step"
cat > "$work/root/etc/systemd/system/klp4j-demo.service" <<'UNIT'
[Unit]
Description=make demo-fleet: one step
After=klp4j.service network-online.target
Wants=network-online.target
[Service]
Type=oneshot
ExecStart=/usr/local/sbin/klp4j-demo-step
[Install]
WantedBy=multi-user.target
UNIT
ln -sf /etc/systemd/system/klp4j-demo.service "$work/root/etc/systemd/system/multi-user.target.wants/klp4j-demo.service"
cp "$work/root/boot/vmlinuz-$R" "$work/vmlinuz"; cp "$work/root/boot/initrd.img-$R" "$work/initrd"
rm -f "$work/disk.img"; truncate -s 4G "$work/disk.img"
mke2fs -q -t ext4 -d "$work/root" -F "$work/disk.img"
rm -rf "$work/root"

boot() { # STEP [EXTRA-CMDLINE]: one boot of the guest; its console in $work/STEP.log
  local log=$work/$1.log
  echo "== boot: $1 ${2:-}"
  timeout 1200 qemu-system-x86_64 -accel tcg -cpu max -m 2048 -smp 2 -nodefaults -display none -no-reboot \
    -kernel "$work/vmlinuz" -initrd "$work/initrd" \
    -append "root=/dev/vda rw console=ttyS0 panic=1 oops=panic klp4j.demo=$1 ${2:-}" \
    -drive "file=$work/disk.img,if=virtio,format=raw" -netdev user,id=n0 -device virtio-net-pci,netdev=n0 \
    -monitor none -serial "file:$log" || true
  grep -a 'KLP4J-DEMO\[' "$log" | sed 's/^/   /' || true
}
shows() { # STEP PATTERN WHAT
  grep -aq -- "$2" "$work/$1.log" || fail "step $1: $3 (see $work/$1.log)"
  echo "   ok: $3"
}

boot install
shows install "KLP4J-DEMO\[install\] status: .*\"state\" : \"applied\"" "apt installed the package and its postinst applied it"
shows install "\"effective\" : \"$V with klp4j_fleet_v2\"" "status gives the effective version"
shows install "cmdline: .*klp4j_fleet=2" "the patched function runs"

boot boot
shows boot "KLP4J-DEMO\[boot\] status: .*\"state\" : \"applied\".*klp4j_fleet_v2" "klp4j.service applied the patch at boot"
shows boot "KLP4J-DEMO\[boot\] cmdline: .*klp4j_fleet=2" "v2 is live after the reboot"
shows boot "KLP4J-DEMO\[boot\] cmdline: .*klp4j_fleet=1" "installing the previous version rolled the patch back to v1"

for r in 3 4 5; do klp4j repo add "$work/repo" "$(deb $r)" --ring canary --gnupg-home "$gpghome" >/dev/null; done
for r in 3 4 5; do klp4j repo promote "$work/repo" "$pkg=$V+$r" --from canary --to stable --gnupg-home "$gpghome" >/dev/null; done
boot crash
shows crash "KLP4J-DEMO\[crash\] apt-get install $pkg=$V+3" "the BUG() patch was installed"
shows crash "kernel BUG at\|invalid opcode" "the kernel oopsed in the patched function"
if grep -aq 'still alive after reading' "$work/crash.log"; then fail "step crash: the machine did not go down"; fi

boot after-crash "module.sig_enforce=1"
shows after-crash "KLP4J-DEMO\[after-crash\] status: .*\"state\" : \"guarded\".*never confirmed" "the crash guard skipped the patch at boot and status says why"
shows after-crash "KLP4J-DEMO\[after-crash\] cmdline: " "the machine runs"
if grep -a 'KLP4J-DEMO\[after-crash\] cmdline: ' "$work/after-crash.log" | grep -q klp4j_fleet; then fail "step after-crash: a patch is live"; fi
shows after-crash "\"state\" : \"key-rejected\"" "sig_enforce: a module signed by an untrusted key is refused as such"
shows after-crash "\"state\" : \"not-signed\"" "sig_enforce: an unsigned module gets klp4j's refusal"
echo "demo-fleet: every step held (logs in $work)"
