#!/bin/sh
# Active: a static local counts reads; two reads show increasing counts.
a=$(sed -n "s/.*klp4j_reads=\([0-9]*\)\$/\1/p" /proc/cmdline); b=$(sed -n "s/.*klp4j_reads=\([0-9]*\)\$/\1/p" /proc/cmdline)
[ -n "$a" ] && [ -n "$b" ] && [ "$b" -gt "$a" ]
