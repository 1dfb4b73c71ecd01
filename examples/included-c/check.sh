#!/bin/sh
# Active: get_avenrun() in kernel/sched/loadavg.c, a file that kernel/sched/build_utility.c
# #includes (it has no object of its own), adds 100 to the one-minute load average.
awk '{ exit !($1 >= 100) }' /proc/loadavg
