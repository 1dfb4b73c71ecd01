#!/bin/sh
# Active: binfmt_misc's status file says "enabled klp4j". binfmt_misc is a single-file module (its
# object was checked by objtool when the kernel was built). Loads binfmt_misc and mounts it.
modprobe binfmt_misc 2>/dev/null
d=/tmp/klp4j-binfmt
mkdir -p "$d"
grep -qs " $d binfmt_misc " /proc/mounts || mount -t binfmt_misc binfmt_misc "$d" 2>/dev/null
grep -q '^enabled klp4j$' "$d/status"
