/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp4j: runtime constants as plain reads of their variables.
 *
 * Since 6.11, x86's <asm/runtime-const.h> compiles runtime_const_ptr(dentry_hashtable),
 * runtime_const_ptr(USER_PTR_MAX) and runtime_const_shift_right_32(x, d_hash_shift) into a
 * placeholder immediate that the kernel rewrites in vmlinux's text once, at boot. A live patch's
 * copy of such code is never rewritten, so klp4j compiles every object (both sides, the same way)
 * with this header forced in first: it takes the header's place (same include guard) with the
 * definitions the kernel uses where runtime constants are not available. The variables hold the
 * same values as the constants (they are set before the boot-time rewrite, and are read-only after
 * init), and the patch reaches them through livepatch relocations.
 */
#ifndef _ASM_RUNTIME_CONST_H
#define _ASM_RUNTIME_CONST_H
#ifndef __ASSEMBLY__
#define runtime_const_ptr(sym) (sym)
#define runtime_const_shift_right_32(val, sym) ((u32)(val) >> (sym))
#define runtime_const_init(type, sym) do { } while (0)
#endif
#endif
