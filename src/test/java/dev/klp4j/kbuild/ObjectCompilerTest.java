package dev.klp4j.kbuild;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.base.Failure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A compile of several make calls (kbuild's top and each M= directory) runs every call even when
 * one fails, says every failing object's error at once, and keeps what was made: an update's batch
 * takes all failing fixes out in one round and does not compile the rest again.
 */
class ObjectCompilerTest {
    @TempDir Path d;

    /** A tree whose make compiles X.o from X.c with the host's gcc, as kbuild's single-object targets do. */
    private Path tree() throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("a"));
        Files.createDirectories(tree.resolve("b"));
        Files.writeString(tree.resolve("Makefile"), """
                .DELETE_ON_ERROR:
                %.o: %.c
                \tgcc -c -o $@ $<
                \techo "savedcmd_$@ := gcc -c -o $@ $<" > $(dir $@).$(notdir $@).cmd
                """);
        Files.writeString(tree.resolve("a/broken.c"), "int broken(void) { return undeclared_name; }\n");
        Files.writeString(tree.resolve("a/fine.c"), "int fine(void) { return 1; }\n");
        Files.writeString(tree.resolve("b/other.c"), "int other(void) { return 2; }\n");
        Files.writeString(tree.resolve("b/also_broken.c"), "int also(void) { return also_undeclared; }\n");
        return tree;
    }

    /** One make call per directory, as KbuildQuery.makeCalls asks M= directories alone. */
    private static ObjectCompiler perDirectory(Path tree) {
        return new ObjectCompiler(tree, 1).makeCalls((base, objects) -> {
            List<List<String>> calls = new ArrayList<>();
            for (String dir : List.of("a/", "b/")) {
                List<String> call = new ArrayList<>(base);
                objects.stream().filter(o -> o.startsWith(dir)).forEach(call::add);
                if (call.size() > base.size()) calls.add(call);
            }
            return calls;
        });
    }

    @Test
    void everyCallRunsAndEveryErrorIsSaidOnce() throws Exception {
        Path tree = tree();
        Path out = d.resolve("out");
        List<String> objects = List.of("a/broken.o", "a/fine.o", "b/other.o", "b/also_broken.o");

        assertThatThrownBy(() -> perDirectory(tree).compile(objects, out))
                .isInstanceOf(Failure.class)
                .hasMessageStartingWith("compiling a/broken.o a/fine.o b/other.o b/also_broken.o failed:")
                // the first call's error and the second's: the second call ran although the first failed
                .hasMessageContaining("a/broken.c:1:").hasMessageContaining("undeclared_name")
                .hasMessageContaining("b/also_broken.c:1:").hasMessageContaining("also_undeclared");

        // what compiled is out, with its record; what failed is not, and the tree holds neither
        assertThat(out.resolve("a/fine.o")).isRegularFile();
        assertThat(out.resolve("b/other.o")).isRegularFile();
        assertThat(ObjectCompiler.cmdFile(out, "b/other.o")).content().startsWith("savedcmd_b/other.o := gcc");
        assertThat(out.resolve("a/broken.o")).doesNotExist();
        assertThat(out.resolve("b/also_broken.o")).doesNotExist();
        assertThat(tree.resolve("a/fine.o")).doesNotExist();
    }

    @Test
    void aCleanCompileCopiesEveryObject() throws Exception {
        Path tree = tree();
        Path out = d.resolve("out");
        perDirectory(tree).compile(List.of("a/fine.o", "b/other.o"), out);
        assertThat(out.resolve("a/fine.o")).isRegularFile();
        assertThat(out.resolve("b/other.o")).isRegularFile();
    }

    /**
     * A fix compiled without the header change that goes with it: its caller passes a pointer where
     * the running kernel's prototype takes an integer (a real 6.1.190 mlx5 fix passes a net_device
     * where esw/bridge.h still says int ifindex). gcc 12 only warns and truncates the pointer; the
     * patched side must fail, by make and by the replay of the original's record alike.
     */
    @Test
    void aPointerPassedForAnIntegerFailsThePatchedSideOnly() throws Exception {
        Path tree = d.resolve("kcflags");
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("Makefile"), """
                .DELETE_ON_ERROR:
                %.o: %.c
                \tgcc $(KCFLAGS) -c -o $@ $<
                \techo "savedcmd_$@ := gcc $(KCFLAGS) -c -o $@ $<" > $(dir $@).$(notdir $@).cmd
                """);
        Files.writeString(tree.resolve("a/caller.c"), """
                struct net_device { int ifindex; };
                int vport_link(int ifindex);
                int event(struct net_device *upper) { return vport_link(upper); }
                """);
        ObjectCompiler c = new ObjectCompiler(tree, 1);
        // the kernel's own flags: a warning, as gcc 12 builds Debian 12's kernel
        Path orig = d.resolve("orig");
        c.compile(List.of("a/caller.o"), orig);
        assertThat(orig.resolve("a/caller.o")).isRegularFile();
        assertThat(ObjectCompiler.cmdFile(orig, "a/caller.o")).content().contains(ObjectCompiler.KCFLAGS)
                .doesNotContain(ObjectCompiler.PATCHED_ERRORS);

        assertThatThrownBy(() -> c.compilePatched(List.of("a/caller.o"), d.resolve("patched")))
                .isInstanceOf(Failure.class).hasMessageContaining("a/caller.c:3:").hasMessageContaining("-Werror=int-conversion");
        // the replay of the original's record gets the same errors (then make says them)
        assertThat(c.patchedCommand("gcc -O2 " + ObjectCompiler.KCFLAGS + " -c -o a/caller.o a/caller.c"))
                .isEqualTo("gcc -O2 " + ObjectCompiler.KCFLAGS + " " + ObjectCompiler.PATCHED_ERRORS + " -c -o a/caller.o a/caller.c");
        assertThatThrownBy(() -> c.compileLike(List.of("a/caller.o"), orig, d.resolve("patched2")))
                .isInstanceOf(Failure.class).hasMessageContaining("-Werror=int-conversion");
        assertThat(d.resolve("patched2/a/caller.o")).doesNotExist();
    }
}
