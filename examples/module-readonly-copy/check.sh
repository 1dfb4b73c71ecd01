#!/bin/sh
# Active: the patch is enabled and nfsd's svcxdr_encode_fattr3 is redirected. The new function reads
# nfs3_ftypes, a read-only table nfsd defines twice (nfs3xdr.c and nfs3proc.c) with nothing in the
# module's symbols to tell them apart: klp4j carries a copy of this file's in the patch. Loads nfsd.
modprobe nfsd 2>/dev/null
[ "$(cat /sys/kernel/livepatch/klp4j_module_readonly_copy/enabled 2>/dev/null)" = 1 ] \
  && [ "$(cat /sys/kernel/livepatch/klp4j_module_readonly_copy/nfsd/patched 2>/dev/null)" = 1 ]
