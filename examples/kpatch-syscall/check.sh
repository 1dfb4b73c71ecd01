#!/bin/sh
# Active: sysinfo(2), defined with kpatch's KPATCH_SYSCALL_DEFINE1, reports 100 extra days of uptime.
uptime | grep -q "up 1[0-9][0-9] days"
