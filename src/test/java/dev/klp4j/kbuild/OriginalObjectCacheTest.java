package dev.klp4j.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Original objects are reused while nothing they were compiled from changed, per compile flags. */
class OriginalObjectCacheTest {
    @TempDir Path d;

    private Path compiled(String source) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("fs/proc"));
        Files.createDirectories(tree.resolve("include/linux"));
        Files.writeString(tree.resolve("fs/proc/cmdline.c"), source);
        Files.writeString(tree.resolve("include/linux/fs.h"), "/* header */\n");
        for (String f : List.of("fs/proc/cmdline.c", "include/linux/fs.h")) {
            Files.setLastModifiedTime(tree.resolve(f), FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        }
        Path out = d.resolve("orig");
        Files.createDirectories(out.resolve("fs/proc"));
        Files.writeString(out.resolve("fs/proc/cmdline.o"), "object bytes of " + source);
        Files.writeString(ObjectCompiler.cmdFile(out, "fs/proc/cmdline.o"), """
                savedcmd_fs/proc/cmdline.o := gcc -c -o fs/proc/cmdline.o fs/proc/cmdline.c

                source_fs/proc/cmdline.o := fs/proc/cmdline.c

                deps_fs/proc/cmdline.o := \\
                    $(wildcard include/config/PROC_FS) \\
                  include/linux/fs.h \\

                fs/proc/cmdline.o: $(deps_fs/proc/cmdline.o)

                $(deps_fs/proc/cmdline.o):
                """);
        return tree;
    }

    @Test
    void anEntryIsUsedUntilADependencyChanges() throws Exception {
        Path tree = compiled("int x;");
        OriginalObjectCache cache = new OriginalObjectCache(tree, d.resolve("cache"), "-ffunction-sections");
        Path next = d.resolve("next");
        assertThat(cache.restore(List.of("fs/proc/cmdline.o"), next)).as("empty cache").containsExactly("fs/proc/cmdline.o");
        cache.store(List.of("fs/proc/cmdline.o"), d.resolve("orig"));

        assertThat(cache.restore(List.of("fs/proc/cmdline.o"), next)).isEmpty();
        assertThat(next.resolve("fs/proc/cmdline.o")).hasContent("object bytes of int x;");
        assertThat(ObjectCompiler.cmdFile(next, "fs/proc/cmdline.o")).exists();

        assertThat(new OriginalObjectCache(tree, d.resolve("cache"), "-ffunction-sections -O3")
                .restore(List.of("fs/proc/cmdline.o"), d.resolve("other"))).as("other flags, other entries").hasSize(1);

        Files.setLastModifiedTime(tree.resolve("include/linux/fs.h"), FileTime.fromMillis(System.currentTimeMillis() + 1000));
        assertThat(cache.restore(List.of("fs/proc/cmdline.o"), d.resolve("again"))).as("a header changed")
                .containsExactly("fs/proc/cmdline.o");
    }

    @Test
    void aMissingDependencyMakesTheEntryStale() throws Exception {
        Path tree = compiled("int y;");
        OriginalObjectCache cache = new OriginalObjectCache(tree, d.resolve("cache"), "");
        cache.store(List.of("fs/proc/cmdline.o"), d.resolve("orig"));
        Files.delete(tree.resolve("include/linux/fs.h"));
        assertThat(cache.restore(List.of("fs/proc/cmdline.o"), d.resolve("n"))).containsExactly("fs/proc/cmdline.o");
    }
}
