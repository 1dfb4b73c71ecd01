#!/bin/sh
# Exits 0 only while the hand-written cmdline livepatch is active: its replacement of
# cmdline_proc_show prints this marker as /proc/cmdline. Prints the marker when found.
grep -o 'klp4j_handwritten_cmdline=active' /proc/cmdline
