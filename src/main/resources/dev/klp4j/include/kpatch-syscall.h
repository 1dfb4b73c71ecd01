/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp4j's kpatch-syscall.h: KPATCH_SYSCALL_DEFINE0..6, with the meaning kpatch-build gives them, so
 * that patches written for kpatch build unchanged (written for klp4j, see README).
 *
 * A patch that changes a system call's body replaces SYSCALL_DEFINEn(name, ...) by
 * KPATCH_SYSCALL_DEFINEn(name, ...). Two things differ from the kernel's macro:
 * - the body goes into a function of a new name: the kernel's __do_sys_NAME is an "inline", hence
 *   notrace, function that ftrace cannot redirect when gcc kept it out of line; with a new name the
 *   stubs that call it (__x64_sys_NAME, __ia32_sys_NAME, __se_sys_NAME, all traceable) change
 *   instead and are what the patch redirects;
 * - the ftrace syscall metadata (SYSCALL_METADATA) is left out: the running kernel registered it
 *   at boot and a patch module cannot register it again.
 */
#ifndef _KLP4J_KPATCH_SYSCALL_H
#define _KLP4J_KPATCH_SYSCALL_H

#include <linux/syscalls.h>

#if defined(CONFIG_X86_64) && defined(__X64_SYS_STUB0)
/* x86_64 (asm/syscall_wrapper.h): the same stubs as the kernel's, calling the renamed body. */
#define __KLP4J_SYSCALL_DEFINEx(x, name, ...)					\
	static long __se_sys##name(__MAP(x,__SC_LONG,__VA_ARGS__));		\
	static inline long __klp4j_do_sys##name(__MAP(x,__SC_DECL,__VA_ARGS__));\
	__X64_SYS_STUBx(x, name, __VA_ARGS__)					\
	__IA32_SYS_STUBx(x, name, __VA_ARGS__)					\
	static long __se_sys##name(__MAP(x,__SC_LONG,__VA_ARGS__))		\
	{									\
		long ret = __klp4j_do_sys##name(__MAP(x,__SC_CAST,__VA_ARGS__));\
		__MAP(x,__SC_TEST,__VA_ARGS__);					\
		__PROTECT(x, ret,__MAP(x,__SC_ARGS,__VA_ARGS__));		\
		return ret;							\
	}									\
	static inline long __klp4j_do_sys##name(__MAP(x,__SC_DECL,__VA_ARGS__))

/* SYSCALL_DEFINE0's body is an ordinary static function (traceable): only the metadata goes. */
#define KPATCH_SYSCALL_DEFINE0(sname)						\
	static long __do_sys_##sname(const struct pt_regs *__unused);		\
	__X64_SYS_STUB0(sname)							\
	__IA32_SYS_STUB0(sname)							\
	static long __do_sys_##sname(const struct pt_regs *__unused)
#else
#define __KLP4J_SYSCALL_DEFINEx(x, name, ...) __SYSCALL_DEFINEx(x, name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE0(sname)						\
	asmlinkage long sys_##sname(void);					\
	ALLOW_ERROR_INJECTION(sys_##sname, ERRNO);				\
	asmlinkage long sys_##sname(void)
#endif

#define KPATCH_SYSCALL_DEFINE1(name, ...) __KLP4J_SYSCALL_DEFINEx(1, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE2(name, ...) __KLP4J_SYSCALL_DEFINEx(2, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE3(name, ...) __KLP4J_SYSCALL_DEFINEx(3, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE4(name, ...) __KLP4J_SYSCALL_DEFINEx(4, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE5(name, ...) __KLP4J_SYSCALL_DEFINEx(5, _##name, __VA_ARGS__)
#define KPATCH_SYSCALL_DEFINE6(name, ...) __KLP4J_SYSCALL_DEFINEx(6, _##name, __VA_ARGS__)

#endif /* _KLP4J_KPATCH_SYSCALL_H */
