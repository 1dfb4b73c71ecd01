#!/bin/sh
# Active: the patch is enabled and nfsd, sunrpc and auth_rpcgss are patched. get_expiry, a header's
# notrace static inline that gcc kept out of line in those modules, has no fentry call: klp4j carries
# a copy of the new body in each and replaces its callers (ip_map_parse, rsi_parse, expkey_parse, ...).
# A write to sunrpc's ip_map cache channel runs ip_map_parse -> get_expiry (an expiry before boot).
modprobe nfsd 2>/dev/null; modprobe auth_rpcgss 2>/dev/null
echo "nfsd 127.0.0.1 100 -test-client-" > /proc/net/rpc/auth.unix.ip/channel 2>/dev/null
p=/sys/kernel/livepatch/klp4j_module_untraceable_inline
[ "$(cat $p/enabled 2>/dev/null)" = 1 ] && [ "$(cat $p/nfsd/patched 2>/dev/null)" = 1 ] \
  && [ "$(cat $p/sunrpc/patched 2>/dev/null)" = 1 ] && [ "$(cat $p/auth_rpcgss/patched 2>/dev/null)" = 1 ]
