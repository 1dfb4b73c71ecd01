#!/bin/busybox sh
# /init of klp4j's VM image: mount the basics, load the boot modules, share the host's
# /lib/modules/RELEASE over 9p (so modprobe works for patches to modules), then run the
# harness sequence (mode test) or a shell (mode shell), and power off.
/bin/busybox --install -s /bin
export PATH=/bin:/sbin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs tmp /tmp
# the kernel's request_module() runs /sbin/modprobe: make it busybox's
ln -s /bin/modprobe /sbin/modprobe 2>/dev/null
echo /sbin/modprobe > /proc/sys/kernel/modprobe
. /klp4j/config
for m in $BOOT_MODULES; do insmod "/klp4j/boot/$m" 2>/dev/null; done
mkdir -p "/lib/modules/$(uname -r)"
if mount -t 9p -o trans=virtio,version=9p2000.L,ro "$SHARE_TAG" "/lib/modules/$(uname -r)" 2>/dev/null; then
  echo "klp4j: /lib/modules/$(uname -r) shared from the host"
else
  echo "klp4j: /lib/modules not shared (9p unavailable); modprobe will not find modules"
fi
printf '#!/bin/sh\nexec sh /klp4j/klp4j-guest.sh "$@"\n' > /bin/klp && chmod +x /bin/klp
case "$MODE" in
  test) echo "KLP4J booted $(uname -r)" > /dev/ttyS1
        KLP4J_PROTO=/dev/ttyS1 sh /klp4j/klp4j-guest.sh test /klp4j/config ;;
  bench) echo "KLP4J booted $(uname -r)" > /dev/ttyS1
        KLP4J_PROTO=/dev/ttyS1 sh /klp4j/klp4j-guest.sh bench /klp4j/config ;;
  *) echo "klp4j shell: patches in /klp4j/patches; 'klp load X.ko', 'klp unload NAME', 'klp list'; exit powers off"
     setsid cttyhack sh -l ;;
esac
sync
poweroff -f
