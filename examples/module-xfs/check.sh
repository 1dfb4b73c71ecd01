#!/bin/sh
# Active: the xfs module's stats (a patched module function, behind a static key the patch adds) show a klp4j_xfs line. Loads xfs.
modprobe xfs 2>/dev/null; grep -q '^klp4j_xfs 1$' /sys/fs/xfs/stats/stats
