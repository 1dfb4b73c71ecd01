// SPDX-License-Identifier: GPL-2.0
/*
 * Not a livepatch: a module whose kernel thread never leaves stall_loop(), so a livepatch of
 * stall_loop (livepatch-stall.c) can never finish its transition. klp4j's tests use the pair to
 * prove that a stalled load names the blocking task, then reverses and unloads at the timeout.
 */
#include <linux/module.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/completion.h>

static struct task_struct *thread;
static DECLARE_COMPLETION(in_loop);

static noinline int stall_loop(void *data)
{
	complete(&in_loop);
	while (!kthread_should_stop())
		msleep_interruptible(50);
	return 0;
}

static int __init helper_init(void)
{
	thread = kthread_run(stall_loop, NULL, "klp4j_stall");
	if (IS_ERR(thread))
		return PTR_ERR(thread);
	/*
	 * Return only once the thread is inside stall_loop. A thread not yet scheduled (a loaded
	 * machine) has no stall_loop on its stack: the livepatch would switch it and finish at once.
	 */
	wait_for_completion(&in_loop);
	return 0;
}

static void __exit helper_exit(void)
{
	kthread_stop(thread);
}

module_init(helper_init);
module_exit(helper_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("klp4j test helper: a kthread that never leaves stall_loop");
