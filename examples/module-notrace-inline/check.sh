#!/bin/sh
# Active: the patch is enabled and freevxfs is patched. dip2vip_cpy, a notrace `static inline` gcc
# kept out of line, has no fentry call: klp4j carries a copy of it and replaces its callers. Loads freevxfs.
modprobe freevxfs 2>/dev/null
[ "$(cat /sys/kernel/livepatch/klp4j_module_notrace_inline/enabled 2>/dev/null)" = 1 ] \
  && [ "$(cat /sys/kernel/livepatch/klp4j_module_notrace_inline/freevxfs/patched 2>/dev/null)" = 1 ]
