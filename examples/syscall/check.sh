#!/bin/sh
# Active: sysinfo(2) (the patched do_sysinfo) reports 100 extra days of uptime; busybox uptime uses it.
uptime | grep -q "up 1[0-9][0-9] days"
