#!/bin/sh
# Exits 0 only while the hand-written cmdline livepatch is active: its replacement
# of cmdline_proc_show appends this marker to /proc/cmdline.
grep -q 'klp4j_handwritten_cmdline=active' /proc/cmdline
