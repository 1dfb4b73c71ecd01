#!/bin/sh
# Active: both patched files (fs/proc/cmdline.c and fs/proc/version.c) show their marks.
grep -q 'klp4j_two=1$' /proc/cmdline && grep -q '^klp4j_two=2$' /proc/version
