package dev.klp4j.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which .c files include a header, and when a tree's graph is read again. */
class IncludeGraphTest {
    @TempDir Path tree;

    private void write(String path, String text) throws Exception {
        Files.createDirectories(tree.resolve(path).getParent());
        Files.writeString(tree.resolve(path), text);
    }

    @Test
    void aMakeWritingAtTheTopKeepsTheGraphAndAnotherVersionOfTheTreeReadsItAgain() throws Exception {
        write("Makefile", "VERSION = 6\nSUBLEVEL = 187\n");
        write("include/linux/x.h", "#include <linux/y.h>\n");
        write("include/linux/y.h", "int y;\n");
        write("drivers/a.c", "#include <linux/x.h>\n");
        write("drivers/b.c", "#include \"b.h\"\n");
        write("drivers/b.h", "#include <linux/y.h>\n");
        IncludeGraph g = IncludeGraph.of(tree);
        assertThat(g.mentioning("include/linux/y.h")).containsExactly("drivers/a.c", "drivers/b.c");

        // kbuild rewrites .missing-syscalls.d at the top on every make: the directory's time moves.
        Files.setLastModifiedTime(tree, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5_000));
        write(".missing-syscalls.d", "deps\n");
        assertThat(IncludeGraph.of(tree)).as("the same tree, the graph already read").isSameAs(g);

        write("Makefile", "VERSION = 6\nSUBLEVEL = 190\n");
        write("drivers/c.c", "#include <linux/y.h>\n");
        IncludeGraph again = IncludeGraph.of(tree);
        assertThat(again).as("another version unpacked in its place").isNotSameAs(g);
        assertThat(again.mentioning("include/linux/y.h")).containsExactly("drivers/a.c", "drivers/b.c", "drivers/c.c");
    }
}
