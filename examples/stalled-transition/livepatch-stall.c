// SPDX-License-Identifier: GPL-2.0
/*
 * A livepatch of stall_loop in klp4j_stall_helper: its kthread sleeps inside stall_loop forever,
 * so the patching transition can never complete. Used to prove klp4j's stall/timeout handling.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/livepatch.h>

static int livepatch_stall_loop(void *data)
{
	while (!kthread_should_stop())
		msleep_interruptible(50);
	return 0;
}

static struct klp_func funcs[] = {
	{ .old_name = "stall_loop", .new_func = livepatch_stall_loop, }, { }
};

static struct klp_object objs[] = {
	{ .name = "klp4j_stall_helper", .funcs = funcs, }, { }
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
MODULE_DESCRIPTION("klp4j test livepatch whose transition never finishes");
MODULE_INFO(livepatch, "Y");
