// SPDX-License-Identifier: GPL-2.0
/*
 * A hand-written livepatch for klp4j's VM harness: redirects cmdline_proc_show
 * (the handler of /proc/cmdline) to a version that prints a marker instead of the
 * command line (saved_command_line is not exported to modules), so a check script
 * can tell whether the patch is active. Modelled on samples/livepatch.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

#define KLP4J_MARKER "klp4j_handwritten_cmdline=active"

static int livepatch_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%s\n", KLP4J_MARKER);
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = livepatch_cmdline_proc_show,
	}, { }
};

static struct klp_object objs[] = {
	{
		/* name being NULL means vmlinux */
		.funcs = funcs,
	}, { }
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int livepatch_init(void)
{
	return klp_enable_patch(&patch);
}

static void livepatch_exit(void)
{
}

module_init(livepatch_init);
module_exit(livepatch_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp4j hand-written livepatch: marks /proc/cmdline");
MODULE_INFO(livepatch, "Y");
