#!/bin/sh
# Active: the new function klp4j_suffix() appends klp4j_newfunc=1 to /proc/cmdline.
grep -q 'klp4j_newfunc=1$' /proc/cmdline
