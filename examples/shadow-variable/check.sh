#!/bin/sh
# Active: a shadow variable attached to saved_command_line counts reads (klp_shadow_get_or_alloc).
a=$(sed -n "s/.*klp4j_shadow=\([0-9]*\)\$/\1/p" /proc/cmdline); b=$(sed -n "s/.*klp4j_shadow=\([0-9]*\)\$/\1/p" /proc/cmdline)
[ -n "$a" ] && [ "$a" -gt 0 ] && [ "$b" -gt "$a" ]
