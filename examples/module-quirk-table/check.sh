#!/bin/sh
# Active: the patch is enabled and usbcore is patched. The patch adds an entry to usb_quirk_list,
# a read-only table only usbcore's usb_detect_quirks reads: klp4j carries the new (longer) table
# and replaces that reader, and the module is permanent (it stays loaded once unpatched). Loads usbcore.
modprobe usbcore 2>/dev/null
[ "$(cat /sys/kernel/livepatch/klp4j_module_quirk_table/enabled 2>/dev/null)" = 1 ] \
  && [ "$(cat /sys/kernel/livepatch/klp4j_module_quirk_table/usbcore/patched 2>/dev/null)" = 1 ]
