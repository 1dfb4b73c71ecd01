package dev.klp4j.pipeline;

import dev.klp4j.base.CacheRoot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A fix that adds a header and includes it from the file it patches: the header is created, and gone again after. */
@Tag("kernel")
class NewHeaderTest {
    @Test
    void aNewHeaderIsReadByThePatchedFileThatIncludesIt(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("new-header.patch");
        Files.writeString(patch, """
                --- /dev/null
                +++ b/fs/proc/klp4j_banner.h
                @@ -0,0 +1,6 @@
                +/* SPDX-License-Identifier: GPL-2.0 */
                +#include <linux/seq_file.h>
                +static inline void klp4j_banner(struct seq_file *m)
                +{
                +	seq_puts(m, "klp4j ");
                +}
                --- a/fs/proc/cmdline.c
                +++ b/fs/proc/cmdline.c
                @@ -3,9 +3,11 @@
                 #include <linux/init.h>
                 #include <linux/proc_fs.h>
                 #include <linux/seq_file.h>
                +#include "klp4j_banner.h"
                 
                 static int cmdline_proc_show(struct seq_file *m, void *v)
                 {
                +	klp4j_banner(m);
                 	seq_puts(m, saved_command_line);
                 	seq_putc(m, '\\n');
                 	return 0;
                """);
        CliRun b = CliRun.of("build", patch.toString(), "-n", "klp4j_newh", "-o", dir.resolve("out").toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isZero();
        assertThat(b.out()).contains("fs/proc/cmdline.o: changed=[cmdline_proc_show] new=[]");
        assertThat(dir.resolve("out/klp4j_newh.ko")).isRegularFile();
        String release = dev.klp4j.debian.KernelRelease.defaultRelease();
        Path tree = CacheRoot.path().resolve(release).resolve("tree");
        assertThat(tree.resolve("fs/proc/klp4j_banner.h")).as("the cached tree is pristine again").doesNotExist();
    }
}
