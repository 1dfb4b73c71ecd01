#!/bin/sh
# Active: uname(2), patched as kpatch's syscall test does, names the system "kpatch". klp4j's Java
# runtime must still start rmmod to unload it (the JVM takes its platform from uname).
[ "$(uname -s)" = kpatch ]
