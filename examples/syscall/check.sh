#!/bin/sh
# Active: the patched uname(2) appends klp4j to the version field.
uname -v | grep -q ' klp4j$'
