#!/bin/sh
# Active: fs/proc/version.c calls a function, reads a counter and tests a static key that the
# patch's other file (fs/proc/cmdline.c) adds; both files show the shared value (42 and up).
grep -Eq '^klp4j_shared=(4[2-9]|[5-9][0-9])$' /proc/version && grep -Eq 'klp4j_shared=(4[2-9]|[5-9][0-9])$' /proc/cmdline
