package dev.klp4j.kbuild;

import dev.klp4j.base.Toolchain;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.testing.TestKernel;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The module step without make, on the target's real kbuild: the first build runs make and keeps
 * its commands, the second runs them alone, and they make the same .ko as make in the same place.
 */
@Tag("kernel")
class KbuildRecipeTest {
    @TempDir
    Path tmp;

    private static final String SOURCE = """
            #include <linux/module.h>
            static int __init klp4j_recipe_init(void) { return 0; }
            static void __exit klp4j_recipe_exit(void) { }
            module_init(klp4j_recipe_init);
            module_exit(klp4j_recipe_exit);
            MODULE_LICENSE("GPL");
            """;

    private Path moduleDir(String name) throws Exception {
        Path d = Files.createDirectories(tmp.resolve(name));
        Files.writeString(d.resolve("klp4j_main.c"), SOURCE);
        return d;
    }

    private static Kbuild.Result build(Path kbuild, Path dir, String name, Path recipes) {
        return Kbuild.module(Toolchain.HOST, kbuild, dir, name, List.of("klp4j_main.o"), 2, Map.of("KBUILD_MODPOST_WARN", "1"),
                Duration.ofMinutes(5), recipes);
    }

    @Test
    void theSecondBuildRunsKbuildsCommandsWithoutMakeAndMakesWhatMakeMakes() throws Exception {
        Path kbuild = TestKernel.target().kbuildDir();
        Path recipes = tmp.resolve("recipes");

        Kbuild.Result first = build(kbuild, moduleDir("one"), "klp4j_recipe_a", recipes);
        assertThat(first.ok()).as(first.log()).isTrue();
        assertThat(first.log()).contains("Entering directory");
        List<Path> kept = Files.list(recipes).toList();
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).getFileName().toString()).endsWith(".recipe");
        String recipe = Files.readString(kept.get(0));
        assertThat(recipe).contains("cc ").contains("@DIR@/@BASE@.c").contains("run ").contains("modpost").contains("env SRCARCH=x86");

        Path two = moduleDir("two");
        Kbuild.Result second = build(kbuild, two, "klp4j_recipe_b", recipes);
        assertThat(second.ok()).as(second.log()).isTrue();
        assertThat(second.log()).doesNotContain("Entering directory");
        Path ko = two.resolve("klp4j_recipe_b.ko");
        ElfFile elf = ElfReader.read(ko);
        assertThat(elf.sections().stream().map(s -> s.name())).contains(".gnu.linkonce.this_module", ".modinfo", "__versions");
        assertThat(new String(elf.section(".modinfo").orElseThrow().data())).contains("name=klp4j_recipe_b").contains("vermagic=");

        // make, in the same directory with the recipe's outputs gone, writes the same bytes.
        byte[] replayed = Files.readAllBytes(ko);
        try (var files = Files.list(two)) {
            for (Path f : files.toList()) if (!f.getFileName().toString().equals("klp4j_main.c") && !f.getFileName().toString().equals("Kbuild")) Files.delete(f);
        }
        Kbuild.Result made = Kbuild.modules(Toolchain.HOST, kbuild, two, 2, Map.of("KBUILD_MODPOST_WARN", "1"), Duration.ofMinutes(5));
        assertThat(made.ok()).as(made.log()).isTrue();
        assertThat(Files.readAllBytes(ko)).isEqualTo(replayed);
    }

    @Test
    void aRecipeThatNoLongerWorksHandsOverToMakeAndIsDropped() throws Exception {
        Path kbuild = TestKernel.target().kbuildDir();
        Path recipes = tmp.resolve("recipes");
        assertThat(build(kbuild, moduleDir("one"), "klp4j_recipe_c", recipes).ok()).isTrue();
        Path recipe = Files.list(recipes).filter(p -> p.toString().endsWith(".recipe")).findFirst().orElseThrow();
        // A kbuild whose modpost moved: the recorded command fails.
        Files.writeString(recipe, Files.readString(recipe).replace("scripts/mod/modpost", "scripts/mod/modpost-gone"));

        Kbuild.Result r = build(kbuild, moduleDir("two"), "klp4j_recipe_d", recipes);
        assertThat(r.ok()).as(r.log()).isTrue();
        assertThat(r.log()).contains("Entering directory");
        assertThat(recipe).doesNotExist();
        assertThat(Path.of(recipe + ".unusable")).exists();
    }
}
