#!/bin/sh
# Active: the kpatch-style pre_patch callback set the state to 1, post_patch to 2.
grep -q 'kpatch_state=2$' /proc/cmdline
