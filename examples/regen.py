#!/usr/bin/env python3
"""Regenerates the example patches from a pristine linux-source tree (usage: regen.py TREE).

Each example is a list of (file, old text, new text) edits; the patch is `diff -u` of the result,
so every patch applies with `patch -p1` to the exact source it was made from."""
import os, subprocess, sys, tempfile, shutil

def default_tree():
    """The one cached source tree klp4j made (~/.cache/klp4j/RELEASE/tree), if there is exactly one."""
    import glob
    trees = glob.glob(os.path.expanduser("~/.cache/klp4j/*/tree"))
    if len(trees) != 1:
        sys.exit("usage: regen.py TREE (a pristine linux-source tree; found %d cached trees)" % len(trees))
    return trees[0]

TREE = sys.argv[1] if len(sys.argv) > 1 else default_tree()
HERE = os.path.dirname(os.path.abspath(__file__))

CMDLINE_OLD = "\tseq_puts(m, saved_command_line);\n\tseq_putc(m, '\\n');\n"

EXAMPLES = {
    "cmdline": [("fs/proc/cmdline.c", CMDLINE_OLD,
                 "\tseq_printf(m, \"%s klp4j_cmdline=1\\n\", saved_command_line);\n")],
    "new-function": [("fs/proc/cmdline.c", "static int cmdline_proc_show",
                      "static noinline void klp4j_suffix(struct seq_file *m)\n{\n\tseq_puts(m, \" klp4j_newfunc=1\");\n}\n\nstatic int cmdline_proc_show"),
                     ("fs/proc/cmdline.c", CMDLINE_OLD,
                      "\tseq_puts(m, saved_command_line);\n\tklp4j_suffix(m);\n\tseq_putc(m, '\\n');\n")],
    "new-global-data": [("fs/proc/version.c", "static int version_proc_show",
                         "char klp4j_version_tag[] = \"klp4j_data=1\";\n\nstatic int version_proc_show"),
                        ("fs/proc/version.c", "\t\tutsname()->version);\n",
                         "\t\tutsname()->version);\n\tseq_printf(m, \"%s\\n\", klp4j_version_tag);\n")],
    "static-local": [("fs/proc/cmdline.c", CMDLINE_OLD,
                      "\tstatic unsigned long klp4j_reads;\n\n\tklp4j_reads++;\n"
                      "\tseq_printf(m, \"%s klp4j_reads=%lu\\n\", saved_command_line, klp4j_reads);\n")],
    "two-files": [("fs/proc/cmdline.c", CMDLINE_OLD,
                   "\tseq_printf(m, \"%s klp4j_two=1\\n\", saved_command_line);\n"),
                  ("fs/proc/version.c", "\t\tutsname()->version);\n",
                   "\t\tutsname()->version);\n\tseq_puts(m, \"klp4j_two=2\\n\");\n")],
    "shadow-variable": [("fs/proc/cmdline.c", "#include <linux/seq_file.h>\n",
                         "#include <linux/seq_file.h>\n#include <linux/livepatch.h>\n\n"
                         "/* A counter attached to an existing object (saved_command_line) without changing its layout. */\n"
                         "#define KLP4J_SHADOW_READS 0x6b6c7034\n"),
                        ("fs/proc/cmdline.c", CMDLINE_OLD,
                         "\tunsigned long *reads = klp_shadow_get_or_alloc(saved_command_line, KLP4J_SHADOW_READS,\n"
                         "\t\t\t\t\t\t       sizeof(*reads), GFP_KERNEL, NULL, NULL);\n\n"
                         "\tif (reads)\n\t\t(*reads)++;\n"
                         "\tseq_printf(m, \"%s klp4j_shadow=%lu\\n\", saved_command_line, reads ? *reads : 0);\n")],
    "callbacks": [("fs/proc/cmdline.c", "#include <linux/seq_file.h>\n",
                   "#include <linux/seq_file.h>\n#include <linux/livepatch.h>\n\n"
                   "int klp4j_callback_state;\n\n"
                   "/* klp4j wires new functions named klp4j_{pre,post}_{patch,unpatch}* into the object's callbacks. */\n"
                   "int klp4j_pre_patch_cmdline(struct klp_object *obj)\n{\n\tklp4j_callback_state = 1;\n\treturn 0;\n}\n\n"
                   "void klp4j_post_patch_cmdline(struct klp_object *obj)\n{\n\tklp4j_callback_state = 2;\n}\n\n"
                   "void klp4j_pre_unpatch_cmdline(struct klp_object *obj)\n{\n\tklp4j_callback_state = 3;\n}\n"),
                  ("fs/proc/cmdline.c", CMDLINE_OLD,
                   "\tseq_printf(m, \"%s klp4j_callbacks=%d\\n\", saved_command_line, klp4j_callback_state);\n")],
    # sysinfo(2): a SYSCALL_DEFINE body is an inline, notrace __do_sys_* function that ftrace cannot
    # redirect, so the change goes into the (traced) helper the syscall calls.
    "syscall": [("kernel/sys.c", "\tinfo->uptime = tp.tv_sec + (tp.tv_nsec ? 1 : 0);\n",
                 "\tinfo->uptime = tp.tv_sec + (tp.tv_nsec ? 1 : 0) + 100 * 86400;\n")],
    # A local buffer: no tail call, so the patched function returns through the return thunk.
    "module-binfmt": [("fs/binfmt_misc.c",
                       "\tchar *s = enabled ? \"enabled\\n\" : \"disabled\\n\";\n\n\treturn simple_read_from_buffer(buf, nbytes, ppos, s, strlen(s));\n",
                       "\tchar s[32];\n\tint n = scnprintf(s, sizeof(s), \"%s klp4j\\n\", enabled ? \"enabled\" : \"disabled\");\n\n"
                       "\treturn simple_read_from_buffer(buf, nbytes, ppos, s, n);\n")],
    "module-xfs": [("fs/xfs/xfs_stats.c", "\tlen += scnprintf(buf + len, PATH_MAX-len, \"defer_relog %llu\\n\",\n\t\t\tdefer_relog);\n",
                    "\tlen += scnprintf(buf + len, PATH_MAX-len, \"defer_relog %llu\\n\",\n\t\t\tdefer_relog);\n"
                    "\tlen += scnprintf(buf + len, PATH_MAX-len, \"klp4j_xfs 1\\n\");\n")],
    # Refusals: each must fail with the reason (see its expect file).
    "refuse-init": [("fs/proc/cmdline.c", "proc_create_single(\"cmdline\", 0, NULL", "proc_create_single(\"cmdline\", 0444, NULL")],
    "refuse-data-init": [("kernel/panic.c", "int panic_on_oops = CONFIG_PANIC_ON_OOPS_VALUE;", "int panic_on_oops = 1;")],
    "refuse-warn-line": [("fs/proc/generic.c", "static DEFINE_RWLOCK(proc_subdir_lock);\n",
                          "static DEFINE_RWLOCK(proc_subdir_lock);\n\n/* klp4j example: this comment only moves the lines of the WARNs below. */\n")],
}

def main():
    for name, edits in EXAMPLES.items():
        tmp = tempfile.mkdtemp()
        try:
            files = sorted({f for f, _, _ in edits})
            for f in files:
                for side in ("a", "b"):
                    os.makedirs(os.path.join(tmp, side, os.path.dirname(f)), exist_ok=True)
                    shutil.copy(os.path.join(TREE, f), os.path.join(tmp, side, f))
            for f, old, new in edits:
                p = os.path.join(tmp, "b", f)
                text = open(p).read()
                if text.count(old) != 1:
                    sys.exit(f"{name}: '{old[:40]}' occurs {text.count(old)} times in {f}")
                open(p, "w").write(text.replace(old, new))
            out = subprocess.run(["bash", "-c", " ".join(f"diff -up --label a/{f} --label b/{f} a/{f} b/{f};" for f in files)],
                                 cwd=tmp, capture_output=True, text=True).stdout
            d = os.path.join(HERE, name)
            os.makedirs(d, exist_ok=True)
            open(os.path.join(d, name + ".patch"), "w").write(out)
        finally:
            shutil.rmtree(tmp)

main()
