#!/bin/sh
# Active: a live patch is enabled and snd-usbmidi-lib (the patched module, which calls usbcore's and
# snd's exports) is patched. No USB MIDI device in the guest: the redirect is what is checked. Loads it.
modprobe snd_usbmidi_lib 2>/dev/null
for d in /sys/kernel/livepatch/*/snd_usbmidi_lib; do
  [ "$(cat "$d/patched" 2>/dev/null)" = 1 ] && [ "$(cat "${d%/*}/enabled" 2>/dev/null)" = 1 ] && exit 0
done
exit 1
