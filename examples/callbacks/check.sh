#!/bin/sh
# Active: pre_patch set the state to 1, post_patch to 2 (pre_unpatch sets 3 on disable).
grep -q 'klp4j_callbacks=2$' /proc/cmdline
