/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp4j's kpatch-syscall.h: KPATCH_SYSCALL_DEFINE0..6, with the meaning kpatch-build gives them, so
 * that patches written for kpatch build unchanged (written for klp4j, see README).
 *
 * A patch that changes a system call replaces SYSCALL_DEFINEn(name, ...) by
 * KPATCH_SYSCALL_DEFINEn(name, ...). The code is the same as the kernel's; what is left out is the
 * ftrace syscall metadata (SYSCALL_METADATA: the syscall trace events and their tables), which the
 * running kernel registered at boot and a patch module cannot register again.
 */
#ifndef _KLP4J_KPATCH_SYSCALL_H
#define _KLP4J_KPATCH_SYSCALL_H

#include <linux/syscalls.h>

#if defined(CONFIG_X86_64) && defined(__X64_SYS_STUB0)
/* x86_64 defines SYSCALL_DEFINE0 itself (asm/syscall_wrapper.h): the same stubs, no metadata. */
#define KPATCH_SYSCALL_DEFINE0(sname)					\
	static long __do_sys_##sname(const struct pt_regs *__unused);	\
	__X64_SYS_STUB0(sname)						\
	__IA32_SYS_STUB0(sname)						\
	static long __do_sys_##sname(const struct pt_regs *__unused)
#else
#define KPATCH_SYSCALL_DEFINE0(sname)					\
	asmlinkage long sys_##sname(void);				\
	ALLOW_ERROR_INJECTION(sys_##sname, ERRNO);			\
	asmlinkage long sys_##sname(void)
#endif

#define KPATCH_SYSCALL_DEFINE1(name, ...) __SYSCALL_DEFINEx(1, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE2(name, ...) __SYSCALL_DEFINEx(2, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE3(name, ...) __SYSCALL_DEFINEx(3, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE4(name, ...) __SYSCALL_DEFINEx(4, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE5(name, ...) __SYSCALL_DEFINEx(5, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE6(name, ...) __SYSCALL_DEFINEx(6, _##name, __VA_ARGS__)

#endif /* _KLP4J_KPATCH_SYSCALL_H */
