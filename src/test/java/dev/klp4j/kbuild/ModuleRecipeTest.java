package dev.klp4j.kbuild;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Templates of kbuild's recorded commands: what is made a placeholder, what is refused, how a recipe renders for another module. */
class ModuleRecipeTest {
    @TempDir
    Path tmp;

    @Test
    void kbuildsEscapesAreUndoneInOnePass() {
        assertThat(ModuleRecipe.unescape("sed 's/ko$$/o/' | awk '!x[$$0]++'")).isEqualTo("sed 's/ko$/o/' | awk '!x[$0]++'");
        assertThat(ModuleRecipe.unescape("echo $(pound)define")).isEqualTo("echo #define");
        // "$$(pound)" is a dollar followed by the text "(pound)", never "$#".
        assertThat(ModuleRecipe.unescape("a $$(pound) b")).isEqualTo("a $(pound) b");
    }

    @Test
    void theModulesFilesAndDefinesBecomePlaceholders() {
        String cmd = "gcc-12 -Wp,-MMD,/tmp/w/m/.klp4j_main.o.d -I./include -DKBUILD_BASENAME='\"klp4j_main\"' -DKBUILD_MODNAME='\"t_cmd\"'"
                + " -D__KBUILD_MODNAME=kmod_t_cmd -c -o /tmp/w/m/klp4j_main.o /tmp/w/m/klp4j_main.c ; objtool --module /tmp/w/m/klp4j_main.o";
        assertThat(ModuleRecipe.template(cmd, "/tmp/w/m", "t_cmd", "klp4j_main")).hasValue(
                "gcc-12 -Wp,-MMD,@DIR@/.@BASE@.o.d -I./include -DKBUILD_BASENAME='\"@BASE@\"' -DKBUILD_MODNAME='\"@NAME@\"'"
                        + " -D__KBUILD_MODNAME=kmod_@NAME@ -c -o @DIR@/@BASE@.o @DIR@/@BASE@.c ; objtool --module @DIR@/@BASE@.o");
        // The directory alone (KBUILD_EXTMOD, M) and as a prefix of the module's files.
        assertThat(ModuleRecipe.template("/tmp/w/m", "/tmp/w/m", "t_cmd", null)).hasValue("@DIR@");
        assertThat(ModuleRecipe.template("ld -r -o /tmp/w/m/t_cmd.ko /tmp/w/m/t_cmd.o /tmp/w/m/t_cmd.mod.o", "/tmp/w/m", "t_cmd", null))
                .hasValue("ld -r -o @DIR@/@NAME@.ko @DIR@/@NAME@.o @DIR@/@NAME@.mod.o");
    }

    @Test
    void aNameAnywhereElseRefusesTheTemplate() {
        // A module called x86 would make every -I./arch/x86 a placeholder: no recipe then.
        assertThat(ModuleRecipe.template("gcc -I./arch/x86/include -o /tmp/w/m/x86.o", "/tmp/w/m", "x86", null)).isEmpty();
        // A path that only begins like the directory cannot be told from it by text: refused too.
        assertThat(ModuleRecipe.template("ld /tmp/w/mx/a.o", "/tmp/w/m", "t_cmd", null)).isEmpty();
        assertThat(ModuleRecipe.template("echo @NAME@", "/tmp/w/m", "t_cmd", null)).isEmpty();
    }

    @Test
    void aRecordedBuildRendersForAnotherModule() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("one"));
        String d = dir.toAbsolutePath().toString();
        Files.writeString(dir.resolve(".klp4j_main.o.cmd"), "savedcmd_" + d + "/klp4j_main.o := gcc -DKBUILD_MODNAME='\"first\"' -c -o "
                + d + "/klp4j_main.o " + d + "/klp4j_main.c\n\nsource_" + d + "/klp4j_main.o := " + d + "/klp4j_main.c\n");
        Files.writeString(dir.resolve(".first.o.cmd"), "savedcmd_" + d + "/first.o := ld -r -o " + d + "/first.o @" + d + "/first.mod\n");
        Files.writeString(dir.resolve(".modules.order.cmd"), "savedcmd_" + d + "/modules.order := {   echo " + d + "/first.ko; :; } > " + d + "/modules.order\n");
        Files.writeString(dir.resolve(".Module.symvers.cmd"), "savedcmd_" + d + "/Module.symvers := sed 's/ko$$/o/' " + d + "/modules.order | scripts/mod/modpost -o " + d + "/Module.symvers\n");
        Files.writeString(dir.resolve(".first.mod.o.cmd"), "savedcmd_" + d + "/first.mod.o := gcc -DKBUILD_BASENAME='\"first.mod\"' -D__KBUILD_MODNAME=kmod_first -c -o " + d + "/first.mod.o " + d + "/first.mod.c\n");
        Files.writeString(dir.resolve(".first.ko.cmd"), "savedcmd_" + d + "/first.ko := ld -r -T arch/x86/module.lds -o " + d + "/first.ko " + d + "/first.o " + d + "/first.mod.o\n");

        ModuleRecipe r = ModuleRecipe.record(dir, "first", List.of("klp4j_main"), "pahole -J --btf_base vmlinux " + d + "/first.ko",
                Map.of("KBUILD_EXTMOD", d, "SRCARCH", "x86")).orElseThrow();
        assertThat(ModuleRecipe.parse(r.text())).hasValue(r);

        Path other = tmp.resolve("two");
        String o = other.toAbsolutePath().toString();
        assertThat(r.script(other, "second", List.of("klp4j_main")).lines().toList()).containsExactly(
                "set -e", "cd -P .",
                "gcc -DKBUILD_MODNAME='\"second\"' -c -o " + o + "/klp4j_main.o " + o + "/klp4j_main.c",
                "ld -r -o " + o + "/second.o @" + o + "/second.mod",
                "{   echo " + o + "/second.ko; :; } > " + o + "/modules.order",
                "sed 's/ko$/o/' " + o + "/modules.order | scripts/mod/modpost -o " + o + "/Module.symvers",
                "gcc -DKBUILD_BASENAME='\"second.mod\"' -D__KBUILD_MODNAME=kmod_second -c -o " + o + "/second.mod.o " + o + "/second.mod.c",
                "ld -r -T arch/x86/module.lds -o " + o + "/second.ko " + o + "/second.o " + o + "/second.mod.o",
                "pahole -J --btf_base vmlinux " + o + "/second.ko");
        assertThat(r.environment(other, "second")).containsEntry("KBUILD_EXTMOD", o).containsEntry("SRCARCH", "x86");
    }

    @Test
    void aSourceThatExportsGetsNoRecipe() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("exports"));
        String d = dir.toAbsolutePath().toString();
        // genksyms appended its CRC to the .cmd: a replay would not.
        Files.writeString(dir.resolve(".klp4j_main.o.cmd"), "savedcmd_" + d + "/klp4j_main.o := gcc -c -o " + d + "/klp4j_main.o " + d
                + "/klp4j_main.c\n#SYMVER klp4j_helper 0x12345678\n");
        assertThat(ModuleRecipe.record(dir, "m", List.of("klp4j_main"), null, Map.of())).isEmpty();
    }
}
