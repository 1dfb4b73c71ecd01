#!/bin/sh
# Active: both objects' pre-patch callbacks ran (vmlinux's at load, joydev's when joydev loads), though
# both are named pre_patch_callback, as in kpatch's macro-callbacks test. Loads joydev.
modprobe joydev 2>/dev/null; grep -q 'objects_ready=2$' /proc/cmdline
