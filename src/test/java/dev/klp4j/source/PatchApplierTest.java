package dev.klp4j.source;

import dev.klp4j.base.Failure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PatchApplierTest {
    static final String ORIG = "int a(void)\n{\n\treturn 1;\n}\n\nint b(void)\n{\n\treturn 2;\n}\n";

    static final String PATCH = """
            --- a/dir/f.c
            +++ b/dir/f.c
            @@ -1,4 +1,4 @@ 
             int a(void)
             {
            -\treturn 1;
            +\treturn 10;
             }
            @@ -6,4 +6,4 @@ int a(void)
             int b(void)
             {
            -\treturn 2;
            +\treturn 20;
             }
            """;

    @Test
    void appliesAndRevertsExactly(@TempDir Path d) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("dir"));
        Files.writeString(tree.resolve("dir/f.c"), ORIG);
        Files.writeString(d.resolve("p.patch"), PATCH);
        PatchApplier a = new PatchApplier(tree, d.resolve("journal"), d.resolve("p.patch"));
        assertThat(a.diff().files()).extracting(UnifiedDiff.FilePatch::path).containsExactly("dir/f.c");
        a.apply();
        assertThat(Files.readString(tree.resolve("dir/f.c"))).contains("return 10;").contains("return 20;");
        a.revert();
        assertThat(Files.readString(tree.resolve("dir/f.c"))).isEqualTo(ORIG);
    }

    @Test
    void onlyThePartOfTheGivenFilesIsApplied(@TempDir Path d) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("dir"));
        Files.writeString(tree.resolve("dir/f.c"), ORIG);
        Files.writeString(tree.resolve("dir/g.h"), "#define G 1\n");
        String header = "diff --git a/dir/g.h b/dir/g.h\nindex 1..2 100644\n--- a/dir/g.h\n+++ b/dir/g.h\n@@ -1 +1 @@\n-#define G 1\n+#define G 2\n";
        Files.writeString(d.resolve("p.patch"), header + PATCH);
        assertThat(UnifiedDiff.only(header + PATCH, java.util.List.of("dir/f.c"))).isEqualTo(PATCH);
        assertThat(UnifiedDiff.only(header + PATCH, java.util.List.of("dir/g.h"))).isEqualTo(header);
        PatchApplier a = new PatchApplier(tree, d.resolve("journal"), d.resolve("p.patch"));
        a.apply(java.util.List.of("dir/f.c"));
        assertThat(Files.readString(tree.resolve("dir/f.c"))).contains("return 10;");
        assertThat(Files.readString(tree.resolve("dir/g.h"))).isEqualTo("#define G 1\n");
        a.revert();
        assertThat(Files.readString(tree.resolve("dir/f.c"))).isEqualTo(ORIG);
        a.apply(java.util.List.of("dir/g.h"));
        assertThat(Files.readString(tree.resolve("dir/g.h"))).isEqualTo("#define G 2\n");
        assertThat(Files.readString(tree.resolve("dir/f.c"))).isEqualTo(ORIG);
        a.revert();
        assertThat(Files.readString(tree.resolve("dir/g.h"))).isEqualTo("#define G 1\n");
    }

    @Test
    void aFileTheTreeLacksIsNamed(@TempDir Path d) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree);
        Files.writeString(d.resolve("p.patch"), PATCH);
        PatchApplier a = new PatchApplier(tree, d.resolve("journal"), d.resolve("p.patch"));
        assertThatThrownBy(a::apply).isInstanceOf(Failure.class)
                .hasMessageEndingWith("dir/f.c: no such file in the source tree (is the patch for another kernel version?)");
    }

    @Test
    void failingHunkIsNamedAndTreeUntouched(@TempDir Path d) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("dir"));
        String changed = ORIG.replace("return 2;", "return 3;");
        Files.writeString(tree.resolve("dir/f.c"), changed);
        Files.writeString(d.resolve("p.patch"), PATCH);
        PatchApplier a = new PatchApplier(tree, d.resolve("journal"), d.resolve("p.patch"));
        assertThatThrownBy(a::apply).isInstanceOf(Failure.class)
                .hasMessageContaining("p.patch does not apply")
                .hasMessageContaining("dir/f.c: hunk #2 (@@ -6,4 +6,4 @@ int a(void)) FAILED at line 6");
        assertThat(Files.readString(tree.resolve("dir/f.c"))).isEqualTo(changed);
    }

    @Test
    void interruptedBuildIsRecovered(@TempDir Path d) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("dir"));
        Files.writeString(tree.resolve("dir/f.c"), ORIG);
        Files.writeString(d.resolve("p.patch"), PATCH);
        new PatchApplier(tree, d.resolve("journal"), d.resolve("p.patch")).apply(); // never reverted: a crash
        assertThat(Files.readString(tree.resolve("dir/f.c"))).contains("return 10;");
        PatchApplier.recover(tree, d.resolve("journal"));
        assertThat(Files.readString(tree.resolve("dir/f.c"))).isEqualTo(ORIG);
    }

    @Test
    void thePatchIsTakenOnceAndAFileChangedDuringTheBuildDoesNotLeak(@TempDir Path d) throws Exception {
        Path tree = d.resolve("tree");
        Files.createDirectories(tree.resolve("dir"));
        Files.writeString(tree.resolve("dir/f.c"), ORIG);
        Files.writeString(d.resolve("p.patch"), PATCH);
        PatchApplier a = new PatchApplier(tree, d.resolve("journal"), d.resolve("p.patch"));
        a.check();
        // An editor saves another version between the check and the apply: the build goes on with what it read.
        Files.writeString(d.resolve("p.patch"), PATCH.replace("return 10;", "return 99;").replace("@@ -6,4 +6,4 @@ int a(void)\n", ""));
        a.apply();
        assertThat(Files.readString(tree.resolve("dir/f.c"))).contains("return 10;").contains("return 20;").doesNotContain("99");
        a.revert();
        assertThat(Files.readString(tree.resolve("dir/f.c"))).isEqualTo(ORIG);
    }

    @Test
    void notADiff(@TempDir Path d) throws Exception {
        Files.writeString(d.resolve("p.patch"), "hello\n");
        assertThatThrownBy(() -> new PatchApplier(d, d.resolve("j"), d.resolve("p.patch"))).hasMessageContaining("not a unified diff");
    }
}
