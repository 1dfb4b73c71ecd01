package dev.klp4j.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.source.UnifiedDiff;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A patched object compiled once is taken from the cache while the files its compile read have
 * the same content, by make's path and by the replay of the original's record alike, and compiled
 * again when one of them changes: an update compiles the same fix's object alone, in retry rounds
 * and in its one module. The tree's make is kbuild's in small: gcc writes its dependency file,
 * a fixdep turns it into the object's record and removes it.
 */
class PatchedObjectCacheTest {
    @TempDir Path d;

    private Path tree() throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("a"));
        Files.writeString(tree.resolve("fixdep.sh"), """
                obj=$1 src=$2; shift 2
                dep=$(dirname $obj)/.$(basename $obj).d
                { echo "savedcmd_$obj := $*"; echo "source_$obj := $src"; echo "deps_$obj := \\\\"
                  sed -e '1s/^[^:]*://' -e 's/\\\\$//' "$dep" | tr ' ' '\\n' | grep -v '^$' | grep -v "^$src$" | sed 's/^/  /; s/$/ \\\\/'
                  echo '    $(wildcard include/config/LIMIT) \\'; echo; echo "$obj: \\$(deps_$obj)"
                } > $(dirname $obj)/.$(basename $obj).cmd
                rm -f "$dep"
                """);
        Files.writeString(tree.resolve("Makefile"), """
                .DELETE_ON_ERROR:
                %.o: %.c
                \tgcc $(KCFLAGS) -I. -Wp,-MMD,$(dir $@).$(notdir $@).d -c -o $@ $<
                \tsh fixdep.sh $@ $< gcc $(KCFLAGS) -I. -Wp,-MMD,$(dir $@).$(notdir $@).d -c -o $@ $<
                """);
        Files.writeString(tree.resolve("a/conf.h"), "#define LIMIT 2\n");
        Files.writeString(tree.resolve("a/user.c"), "#include \"a/conf.h\"\nint user(int x) { return x * LIMIT + 7; }\n");
        return tree;
    }

    @Test
    void aPatchedObjectIsTakenFromTheCacheWhileWhatItReadIsUnchanged() throws Exception {
        Path tree = tree();
        ObjectCompiler c = new ObjectCompiler(tree, 1);
        c.cachingPatched(new PatchedObjectCache(tree, d.resolve("cache"), c.patchedFlags()));
        List<String> user = List.of("a/user.o");
        Path orig = d.resolve("orig");
        c.compile(user, orig);
        assertThat(d.resolve("cache")).doesNotExist(); // the original side is not the patched cache's

        Files.writeString(tree.resolve("a/conf.h"), "#define LIMIT 3\n"); // the patch
        assertThat(c.compilePatched(user, d.resolve("p1"))).isZero();
        byte[] three = Files.readAllBytes(d.resolve("p1/a/user.o"));
        assertThat(three).isNotEqualTo(Files.readAllBytes(orig.resolve("a/user.o")));
        // the record make wrote lists what the compile read; the tree keeps no dependency file
        assertThat(ObjectCompiler.cmdFile(d.resolve("p1"), "a/user.o")).content().contains("source_a/user.o := a/user.c", "  a/conf.h \\");
        assertThat(tree.resolve("a/.user.o.d")).doesNotExist();

        // again by make's path and by the replay: from the cache, the same object and record
        assertThat(c.compilePatched(user, d.resolve("p2"))).isEqualTo(1);
        assertThat(d.resolve("p2/a/user.o")).hasBinaryContent(three);
        assertThat(ObjectCompiler.cmdFile(d.resolve("p2"), "a/user.o")).hasSameTextualContentAs(ObjectCompiler.cmdFile(d.resolve("p1"), "a/user.o"));
        assertThat(c.compileLike(user, orig, d.resolve("p3"))).isEqualTo(1);
        assertThat(d.resolve("p3/a/user.o")).hasBinaryContent(three);

        // a header it reads changes: compiled again (the replay), and kept by gcc's dependency file
        Files.writeString(tree.resolve("a/conf.h"), "#define LIMIT 4\n");
        assertThat(c.compileLike(user, orig, d.resolve("p4"))).isZero();
        byte[] four = Files.readAllBytes(d.resolve("p4/a/user.o"));
        assertThat(four).isNotEqualTo(three);
        assertThat(tree.resolve("a/.user.o.d")).doesNotExist();
        assertThat(c.compilePatched(user, d.resolve("p5"))).isEqualTo(1);
        assertThat(d.resolve("p5/a/user.o")).hasBinaryContent(four);

        // the earlier content again, written anew (a later time): found by content, not by time
        Files.writeString(tree.resolve("a/conf.h"), "#define LIMIT 3\n");
        assertThat(c.compileLike(user, orig, d.resolve("p6"))).isEqualTo(1);
        assertThat(d.resolve("p6/a/user.o")).hasBinaryContent(three);

        // the source itself changes: compiled
        Files.writeString(tree.resolve("a/user.c"), "#include \"a/conf.h\"\nint user(int x) { return x * LIMIT + 8; }\n");
        assertThat(c.compilePatched(user, d.resolve("p7"))).isZero();
        assertThat(Files.readAllBytes(d.resolve("p7/a/user.o"))).isNotEqualTo(three);
    }

    @Test
    void withoutACacheEveryPatchedObjectIsCompiled() throws Exception {
        Path tree = tree();
        ObjectCompiler c = new ObjectCompiler(tree, 1);
        assertThat(c.compilePatched(List.of("a/user.o"), d.resolve("p1"))).isZero();
        assertThat(c.compilePatched(List.of("a/user.o"), d.resolve("p2"))).isZero();
        assertThat(d.resolve("p2/a/user.o")).isRegularFile();
    }

    /** A Makefile or a new file can change what no dependency list shows: such a patch compiles everything. */
    @Test
    void onlyPatchesOfExistingSourcesAndHeadersUseTheCache() {
        assertThat(PatchedObjectCache.applies(UnifiedDiff.parse("""
                --- a/a/user.c
                +++ b/a/user.c
                @@ -1 +1 @@
                -a
                +b
                --- a/a/conf.h
                +++ b/a/conf.h
                @@ -1 +1 @@
                -a
                +b
                """))).isTrue();
        assertThat(PatchedObjectCache.applies(UnifiedDiff.parse("""
                --- a/a/Makefile
                +++ b/a/Makefile
                @@ -1 +1 @@
                -a
                +b
                """))).isFalse();
        assertThat(PatchedObjectCache.applies(UnifiedDiff.parse("""
                --- /dev/null
                +++ b/a/new.h
                @@ -0,0 +1 @@
                +b
                """))).isFalse();
    }

    @Test
    void dependencyListsAreReadFromGccAndFromKbuildsRecord() {
        assertThat(PatchedObjectCache.fromGcc("a/user.o: a/user.c include/linux/kconfig.h \\\n include/generated/autoconf.h a/conf.h\n"))
                .containsExactly("a/user.c", "include/linux/kconfig.h", "include/generated/autoconf.h", "a/conf.h");
        assertThat(PatchedObjectCache.fromRecord(List.of(
                "savedcmd_a/user.o := gcc -Wp,-MMD,a/.user.o.d -c -o a/user.o a/user.c",
                "", "source_a/user.o := a/user.c", "", "deps_a/user.o := \\",
                "  include/linux/kconfig.h \\", "    $(wildcard include/config/CPU_BIG_ENDIAN) \\", "  a/conf.h \\",
                "", "a/user.o: $(deps_a/user.o)", "", "$(deps_a/user.o):")))
                .containsExactly("a/user.c", "include/linux/kconfig.h", "a/conf.h");
    }
}
