#!/bin/sh
# Active: /proc/version shows the new global string klp4j_version_tag.
grep -q '^klp4j_data=1$' /proc/version
