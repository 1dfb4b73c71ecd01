package dev.klp4j.pipeline;

import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A blank line at the top of a large file shifts every __LINE__ below it: in WARN/BUG calls, in
 * printk arguments, in ext4's iget/journal/error helpers that take the line as an argument. That
 * is no patchable change, on the real fs/ext4/super.c.
 */
@Order(4) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("kernel")
class LineNumbersTest {
    @Test
    void aBlankLineAtTheTopOfExt4SuperIsNoPatchableChange(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("blank.patch");
        Files.writeString(patch, """
                --- a/fs/ext4/super.c
                +++ b/fs/ext4/super.c
                @@ -1,4 +1,5 @@
                 // SPDX-License-Identifier: GPL-2.0
                +
                 /*
                  *  linux/fs/ext4/super.c
                  *
                """);
        CliRun b = CliRun.of("build", patch.toString(), "-o", dir.resolve("out").toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isEqualTo(3);
        assertThat(b.out()).contains("fs/ext4/super.o: no change");
        assertThat(b.err()).contains("no patchable change");
    }
}
