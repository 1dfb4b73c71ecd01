#!/usr/bin/env bash
# Installs the system packages klp4j's build, tests and VM harness need, with apt-get.
# Idempotent and quiet when everything is already there. Run as root on Debian 12.
#   scripts/install-deps.sh [base|kernel|vm|cross|all]...   (default: all)
set -euo pipefail

# jq reads the JSON reports of the benchmark scripts (make bench-update); openssl, gnupg and
# apt-utils (apt-ftparchive) make and sign the fleet's packages and apt repositories (klp4j package, klp4j repo).
want_base=(openjdk-17-jdk-headless maven make gcc binutils git jq help2man man-db openssl gnupg apt-utils)
# mmdebstrap makes the build root of another Debian release's kernels (Debian 13's gcc 14); zstd
# unpacks Debian 13's kernel images; debian-archive-keyring checks that release's archive; dwarves
# (pahole, pfunct) reads the type layouts and prototypes klp4j review compares.
want_kbuild=(bc flex bison libelf-dev libssl-dev cpio xz-utils kmod patch rsync mmdebstrap zstd lz4 debian-archive-keyring dwarves distcc)
want_vm=(qemu-system-x86 busybox-static)
# Assemblers for other architectures: the ELF tests parse their objects (big-endian s390x/ppc64 too).
want_cross=(binutils-aarch64-linux-gnu binutils-powerpc64le-linux-gnu binutils-powerpc64-linux-gnu binutils-s390x-linux-gnu binutils-riscv64-linux-gnu)

# The release Debian's linux-image-amd64 points to moves with each kernel update: ask apt, never hard-code.
kernel_release() {
  if [ -n "${KLP4J_KERNEL:-}" ]; then echo "$KLP4J_KERNEL"; return; fi
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{sub("linux-image-","",$2); print $2; exit}'
}

missing() {
  local p out=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || out+=("$p")
  done
  echo "${out[@]:-}"
}

updated=0
apt_install() {
  local todo; todo=$(missing "$@")
  [ -z "$todo" ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "install-deps: missing packages: $todo; run this script as root" >&2; exit 2
  fi
  if [ $updated = 0 ]; then apt-get update -qq -o DPkg::Lock::Timeout=300; updated=1; fi
  echo "install-deps: installing $todo" >&2
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends $todo >/dev/null
}

groups=("$@"); [ ${#groups[@]} = 0 ] && groups=(all)
for g in "${groups[@]}"; do
  case "$g" in
    base) apt_install "${want_base[@]}" ;;
    vm) apt_install "${want_vm[@]}" ;;
    cross) apt_install "${want_cross[@]}" ;;
    kernel)
      apt_install "${want_kbuild[@]}"
      if [ $updated = 0 ] && [ -z "$(kernel_release)" ]; then apt-get update -qq; updated=1; fi
      rel=$(kernel_release)
      [ -n "$rel" ] || { echo "install-deps: cannot tell which kernel linux-image-amd64 points to; run apt-get update" >&2; exit 2; }
      apt_install "linux-image-$rel" "linux-headers-$rel" linux-source-6.1 ;;
    all) "$0" base vm cross kernel ;;
    *) echo "install-deps: unknown group '$g' (base, kernel, vm, cross, all)" >&2; exit 2 ;;
  esac
done
