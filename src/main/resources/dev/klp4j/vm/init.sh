#!/bin/busybox sh
# /init of klp4j's VM image: mount the basics, load the boot modules, share the host's
# /lib/modules/RELEASE over 9p (so modprobe works for patches to modules), mount the host's
# root (read-only, 9p) at /host as a chroot for klp4j's Java runtime, then run the harness
# sequence (mode test) or a shell (mode shell), and power off.
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
# The host's root, read-only: klp4j-guest.sh chroots into it to run klp4j's Java runtime with the
# host's JRE against this kernel. /proc, /sys and /dev are the guest's; /run is a tmpfs for the
# patch modules and the JVM's temp files (the host's /tmp stays visible: the class path may be there).
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,cache=loose "$HOSTROOT_TAG" /host 2>/dev/null; then
  mount -t proc proc /host/proc && mount -t sysfs sys /host/sys && mount --bind /dev /host/dev \
    && mount -t tmpfs run /host/run && mkdir -p /host/run/klp4j/patches /host/run/klp4j/tmp \
    && echo "klp4j: host root shared at /host (Java runtime)" \
    || echo "klp4j: host root shared at /host, but its /proc, /sys, /dev or /run could not be mounted"
else
  echo "klp4j: host root not shared; the shell runtime stands in for the Java one"
fi
printf '#!/bin/sh\nexec sh /klp4j/klp4j-guest.sh "$@"\n' > /bin/klp && chmod +x /bin/klp
case "$MODE" in
  test) echo "KLP4J booted $(uname -r)" > /dev/ttyS1
        KLP4J_PROTO=/dev/ttyS1 sh /klp4j/klp4j-guest.sh test /klp4j/config ;;
  bench) echo "KLP4J booted $(uname -r)" > /dev/ttyS1
        KLP4J_PROTO=/dev/ttyS1 sh /klp4j/klp4j-guest.sh bench /klp4j/config ;;
  *) echo "klp4j shell: patches in /klp4j/patches; 'klp load X.ko', 'klp unload NAME', 'klp list', 'klp java info NAME'; exit powers off"
     setsid cttyhack sh -l ;;
esac
sync
poweroff -f
