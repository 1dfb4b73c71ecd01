// SPDX-License-Identifier: GPL-2.0
/*
 * A hand-written livepatch of a module, not vmlinux: xfs_fs_show_options (what /proc/mounts
 * shows for an xfs mount) in xfs.ko. The patch is applied whenever xfs is loaded, so the check
 * script modprobes xfs, which the VM harness makes possible by sharing the host's
 * /lib/modules/RELEASE with the guest.
 */
#include <linux/module.h>
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/seq_file.h>

static int livepatch_xfs_fs_show_options(struct seq_file *m, struct dentry *root)
{
	seq_puts(m, ",klp4j_livepatch_xfs");
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "xfs_fs_show_options", .new_func = livepatch_xfs_fs_show_options, }, { }
};

static struct klp_object objs[] = {
	{ .name = "xfs", .funcs = funcs, }, { }
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
MODULE_DESCRIPTION("klp4j hand-written livepatch of the xfs module");
MODULE_INFO(livepatch, "Y");
