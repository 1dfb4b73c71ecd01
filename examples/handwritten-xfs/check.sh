#!/bin/sh
# Exits 0 only while livepatch_xfs is applied to the xfs module. modprobe works in the guest
# because the VM harness shares the host's /lib/modules/RELEASE over 9p.
modprobe xfs || { echo "modprobe xfs failed"; exit 2; }
[ "$(cat /sys/kernel/livepatch/livepatch_xfs/xfs/patched 2>/dev/null)" = 1 ] || exit 1
echo "xfs patched by livepatch_xfs"
