#!/bin/sh
# The stall patch changes nothing visible: the check never passes. The harness still proves
# that, once the stalled load was reversed, the system is as before (check fails, dmesg clean).
exit 1
