/* SPDX-License-Identifier: GPL-2.0 */
/*
 * klp4j's kpatch-macros.h: the patch-author macros of kpatch-build, with the same meaning, so that
 * patches written for kpatch build unchanged. klp4j puts this file on the include path of every
 * object it compiles; it was written for klp4j (see README, "Patches written for kpatch").
 */
#ifndef _KLP4J_KPATCH_MACROS_H
#define _KLP4J_KPATCH_MACROS_H

#include <linux/compiler.h>
#include <linux/printk.h>
#include <linux/livepatch.h>

/* kpatch's callbacks receive the patched object; under livepatch that is a struct klp_object. */
typedef struct klp_object patch_object;

/*
 * Directives read by klp4j's differ and never copied into the patch: a pointer to the function,
 * or to the section's name, in a section the differ looks for.
 */
#define KPATCH_IGNORE_FUNCTION(_fn) \
	static void *__kpatch_ignore_func_##_fn __section(".kpatch.ignore.functions") __used = (void *)(_fn)

#define KPATCH_IGNORE_SECTION(_sec) \
	static char *__UNIQUE_ID(kpatch_ignore_section_) __section(".kpatch.ignore.sections") __used = (_sec)

/*
 * kpatch.ko could switch a function without the stack check. The kernel's livepatch has no such
 * switch (klp_func.immediate went away in 4.16): the function is patched under the consistency
 * model like every other; the directive is accepted and changes nothing.
 */
#define KPATCH_FORCE_UNSAFE(_fn) \
	static void *__kpatch_force_func_##_fn __section(".kpatch.force") __used = (void *)(_fn)

/*
 * Callbacks become klp4j's own convention: a new global function named klp4j_<kind>_<fn>__<module>
 * is wired into the klp_object's callbacks of the object (vmlinux or module) its file belongs to.
 * The object file's kbuild module name (__KBUILD_MODNAME, kmod_joydev) is in the name: two patched
 * files may each name their callback alike, as kpatch's own tests do (joydev.c and pcspkr.c both
 * say pre_patch_callback), each for its own object.
 */
#define __KLP4J_CALLBACK(_kind, _fn, _mod) klp4j_##_kind##_##_fn##__##_mod
#define _KLP4J_CALLBACK(_kind, _fn, _mod) __KLP4J_CALLBACK(_kind, _fn, _mod)
#define KLP4J_CALLBACK(_kind, _fn) _KLP4J_CALLBACK(_kind, _fn, __KBUILD_MODNAME)

#define KPATCH_PRE_PATCH_CALLBACK(_fn) \
	int KLP4J_CALLBACK(pre_patch, _fn)(patch_object *obj); \
	int KLP4J_CALLBACK(pre_patch, _fn)(patch_object *obj) { return _fn(obj); }

#define KPATCH_POST_PATCH_CALLBACK(_fn) \
	void KLP4J_CALLBACK(post_patch, _fn)(patch_object *obj); \
	void KLP4J_CALLBACK(post_patch, _fn)(patch_object *obj) { _fn(obj); }

#define KPATCH_PRE_UNPATCH_CALLBACK(_fn) \
	void KLP4J_CALLBACK(pre_unpatch, _fn)(patch_object *obj); \
	void KLP4J_CALLBACK(pre_unpatch, _fn)(patch_object *obj) { _fn(obj); }

#define KPATCH_POST_UNPATCH_CALLBACK(_fn) \
	void KLP4J_CALLBACK(post_unpatch, _fn)(patch_object *obj); \
	void KLP4J_CALLBACK(post_unpatch, _fn)(patch_object *obj) { _fn(obj); }

/* A message from patched code, tagged so it can be told apart in the kernel log. */
#define KPATCH_PRINTK(_fmt, ...) printk(KERN_INFO "livepatch: " _fmt, ##__VA_ARGS__)

#endif /* _KLP4J_KPATCH_MACROS_H */
