package dev.klp4j.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fix taken without a change it depends on: the patched .c calls a function no header declares,
 * beside a change to include/linux/fs.h, which some twenty thousand objects include. The compile
 * error must come first, before klp4j asks which of those objects the header change reaches.
 */
@Tag("kernel")
class SourcesCompileFirstTest {
    @Test
    void aPatchedSourceThatDoesNotCompileFailsBeforeTheHeaderUsersAreSought(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("dependent.patch");
        Files.writeString(patch, """
                --- a/include/linux/fs.h
                +++ b/include/linux/fs.h
                @@ -1480,3 +1480,4 @@
                 	struct list_head	s_list;		/* Keep this first */
                 	dev_t			s_dev;		/* search index; _not_ kdev_t */
                +	int			s_klp4j_test;
                 	unsigned char		s_blocksize_bits;
                --- a/fs/proc/cmdline.c
                +++ b/fs/proc/cmdline.c
                @@ -7,5 +7,6 @@
                 static int cmdline_proc_show(struct seq_file *m, void *v)
                 {
                +	klp4j_declared_nowhere(m);
                 	seq_puts(m, saved_command_line);
                 	seq_putc(m, '\\n');
                 	return 0;
                """);
        CliRun b = CliRun.of("build", patch.toString(), "-o", dir.resolve("out").toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isNotZero();
        assertThat(b.out()).containsPattern("compile sources +[0-9.]+ s +failed").doesNotContain("header users");
        assertThat(b.err()).contains("fs/proc/cmdline.c").contains("klp4j_declared_nowhere");
    }

    /**
     * gcc 12 (Debian 12's) only warns when a pointer is passed for an integer; a fix written for a
     * prototype its patch does not carry (a real 6.1.190 mlx5 fix) would call the running kernel's
     * function with a truncated pointer. The patched side makes it an error, and says so.
     */
    @Test
    void aPointerPassedWhereTheRunningKernelTakesAnIntegerDoesNotCompile(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("int-conversion.patch");
        Files.writeString(patch, """
                --- a/fs/proc/cmdline.c
                +++ b/fs/proc/cmdline.c
                @@ -8,5 +8,5 @@
                 {
                 	seq_puts(m, saved_command_line);
                -	seq_putc(m, '\\n');
                +	seq_putc(m, saved_command_line);
                 	return 0;
                 }
                """);
        CliRun b = CliRun.of("build", patch.toString(), "-o", dir.resolve("out").toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isNotZero();
        // without a header in the patch, the .c is compiled as the patched side (no sources step first)
        assertThat(b.out()).containsPattern("compile patched +[0-9.]+ s +failed");
        assertThat(b.err()).contains("fs/proc/cmdline.c").contains("seq_putc").contains("-Werror=int-conversion");
        // nothing written: no module with a truncated pointer
        assertThat(dir.resolve("out").toFile().list()).isNullOrEmpty();
    }
}
