package dev.klp4j.klp;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.TestKernel;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.diff.FunctionStatus;
import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds a real livepatch module with the target's kbuild from an object shaped like the differ's output. */
@Tag("kernel")
class ModuleGeneratorTest {

    @Test
    void replaceModeAndNamespacesReachTheSource() {
        ModuleGenerator stacked = new ModuleGenerator("klp4j_t", false);
        stacked.importNamespace("IWLWIFI");
        assertThat(stacked.source()).contains(".replace = false").contains("MODULE_INFO(import_ns, \"IWLWIFI\");");
        assertThat(new ModuleGenerator("klp4j_t", true).source()).contains(".replace = true").doesNotContain("import_ns");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> stacked.importNamespace("BAD\"NS"))
                .hasMessageContaining("cannot be imported");
    }

    @Test
    void aModuleReachedOnlyThroughRelocationsGetsAnObjectWithNoFunction() {
        // The livepatch core writes .klp.rela.hv_vmbus.* only for a klp_object named hv_vmbus.
        ModuleGenerator g = new ModuleGenerator("klp4j_t", true);
        g.reach("hv_vmbus");
        g.reach("hv_vmbus");
        assertThat(g.source()).containsOnlyOnce("{ .name = \"hv_vmbus\", .funcs = klp4j_funcs_0 },")
                .contains("static struct klp_func klp4j_funcs_0[] = {\n\t{ }\n};");
    }

    @Test
    void aPatchThatCarriesTablesIsAPermanentModuleWithoutAnExit(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.c"), """
                static const int table[] = { 1, 2, 3 };
                int lookup(int i) { return table[i & 1]; }
                """);
        Proc.check(dir, "gcc", "-c", "-O2", "-ffunction-sections", "-fdata-sections", "t.c", "-o", "t.o");
        PatchMeta meta = new PatchMeta("snd_usb_audio", List.of(new PatchMeta.Function("lookup", FunctionStatus.CHANGED, 1, 2, 1, true)),
                List.of(), List.of(), List.of("table"));
        ModuleGenerator g = new ModuleGenerator("klp4j_t", true);
        g.add(new PatchObject(ElfReader.read(dir.resolve("t.o")), meta), Map.of("lookup", 1));
        assertThat(g.permanent()).isTrue();
        assertThat(g.source()).contains("module_init(klp4j_init);").doesNotContain("module_exit").doesNotContain("klp4j_exit")
                .contains("permanent: carries snd_usb_audio: table");

        ModuleGenerator plain = new ModuleGenerator("klp4j_p", true);
        plain.add(new PatchObject(ElfReader.read(dir.resolve("t.o")), new PatchMeta("snd_usb_audio",
                List.of(new PatchMeta.Function("lookup", FunctionStatus.CHANGED, 1, 2, 1, true)), List.of(), List.of())), Map.of("lookup", 1));
        assertThat(plain.permanent()).isFalse();
        assertThat(plain.source()).contains("module_exit(klp4j_exit);");
    }

    @Test
    void aFunctionAndItsAliasAreOneKlpFunc(@TempDir Path dir) throws Exception {
        // 6.1.190's uvesafb fix: both uvesafb_init and its alias init_module were redirected, and
        // the patching transition stalled on every task of the guest.
        Files.writeString(dir.resolve("a.c"), """
                int state;
                int uvesafb_init(void) { return state + 1; }
                int init_module(void) __attribute__((alias("uvesafb_init")));
                """);
        Proc.check(dir, "gcc", "-c", "-O2", "-ffunction-sections", "a.c", "-o", "a.o");
        ElfFile f = ElfReader.read(dir.resolve("a.o"));
        PatchMeta meta = new PatchMeta("uvesafb", List.of(new PatchMeta.Function("uvesafb_init", FunctionStatus.CHANGED, 1, 2, 1, true),
                new PatchMeta.Function("init_module", FunctionStatus.CHANGED, 1, 2, 1, true)), List.of(), List.of());
        ModuleGenerator g = new ModuleGenerator("klp4j_alias", true);
        g.add(new PatchObject(f, meta), Map.of("uvesafb_init", 1, "init_module", 1));
        assertThat(g.source()).contains(".old_name = \"uvesafb_init\"").doesNotContain(".old_name = \"init_module\"");
    }

    @Test
    void newCallbackFunctionsBecomeTheObjectsCallbacks(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("c.c"), """
                struct klp_object;
                int state;
                int klp4j_pre_patch_x(struct klp_object *o) { state = 1; return 0; }
                void klp4j_post_unpatch_x(struct klp_object *o) { state = 0; }
                int changed(void) { return state; }
                """);
        Proc.check(dir, "gcc", "-c", "-O2", "-ffunction-sections", "c.c", "-o", "c.o");
        ElfFile f = ElfReader.read(dir.resolve("c.o"));
        PatchMeta meta = new PatchMeta("xfs", List.of(new PatchMeta.Function("changed", FunctionStatus.CHANGED, 1, 2, 1, true),
                new PatchMeta.Function("klp4j_pre_patch_x", FunctionStatus.NEW, 0, 9, 0, true),
                new PatchMeta.Function("klp4j_post_unpatch_x", FunctionStatus.NEW, 0, 9, 0, true)), List.of(), List.of());
        ModuleGenerator g = new ModuleGenerator("klp4j_cb", true);
        g.add(new PatchObject(f, meta), Map.of("changed", 2));
        String c = g.source();
        assertThat(c).contains("{ .name = \"xfs\"").contains(".old_name = \"changed\"").contains(".old_sympos = 2")
                .containsPattern("\\.pre_patch = (__klp4j_new_\\d+),").containsPattern("\\.post_unpatch = __klp4j_new_\\d+,")
                .containsPattern("extern int __klp4j_new_\\d+\\(struct klp_object \\*\\);")
                .doesNotContain(".post_patch =");
        // Each alias is a GLOBAL untyped symbol at the new code (a second FUNC there would confuse objtool).
        assertThat(f.symbols()).filteredOn(y -> y.name().startsWith("__klp4j_new_")).hasSize(3)
                .allSatisfy(y -> assertThat(y.bind()).isEqualTo(Elf.STB_GLOBAL))
                .allSatisfy(y -> assertThat(y.type()).isEqualTo(Elf.STT_NOTYPE));

        // A second object (vmlinux) gets its own klp_object, listed after the first.
        ElfFile v = ElfReader.read(dir.resolve("c.o"));
        g.add(new PatchObject(v, new PatchMeta("vmlinux", List.of(new PatchMeta.Function("changed", FunctionStatus.CHANGED, 1, 2, 1, true)),
                List.of(), List.of())), Map.of("changed", 1));
        String both = g.source();
        assertThat(both).contains("{ .name = NULL, .funcs = klp4j_funcs_1 }");
        assertThat(both.indexOf("\"xfs\"")).isLessThan(both.indexOf(".name = NULL"));
    }

    @Test
    void buildsALoadableLookingModule(@TempDir Path dir) throws Exception {
        KernelTarget target = TestKernel.target();
        // The patched function, compiled with the target's kbuild flags and function sections.
        Path src = dir.resolve("src");
        Files.createDirectories(src);
        Files.writeString(src.resolve("fake.c"), """
                #include <linux/init.h>
                #include <linux/seq_file.h>
                static int calls;
                int cmdline_proc_show(struct seq_file *m, void *v)
                {
                	calls++;
                	seq_printf(m, "%s klp4j %d\\n", saved_command_line, calls);
                	return 0;
                }
                """);
        Files.writeString(src.resolve("Kbuild"), "obj-m := fake.o\n");
        Process p = new ProcessBuilder("make", "-s", "-C", target.kbuildDir().toString(), "M=" + src,
                "KCFLAGS=-ffunction-sections -fdata-sections", "fake.o").redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        ElfFile out = ElfReader.read(src.resolve("fake.o"));
        PatchObject patch = new PatchObject(out, new PatchMeta("vmlinux",
                List.of(new PatchMeta.Function("cmdline_proc_show", FunctionStatus.CHANGED, 42, 60, 1, true)),
                List.of(new PatchMeta.Reference("saved_command_line", Elf.STT_OBJECT, false, 1)), List.of()));

        // vmlinux as a kallsyms dump would show it (saved_command_line is not exported).
        List<String> map = new ArrayList<>(List.of("ffffffff81000000 T _text", "ffffffff81400000 t cmdline_proc_show",
                "ffffffff82000000 D saved_command_line"));
        KernelSymbols vmlinux = KernelSymbols.parseMap("vmlinux", map, null);
        ModuleSymvers symvers = ModuleSymvers.read(target.symvers());
        SymbolResolver r = new SymbolResolver("vmlinux", symvers, () -> vmlinux, null, Set.of("cmdline_proc_show", "calls"));
        List<String> klp = KlpRelocations.renameForLink(patch, r::resolve);
        assertThat(klp).containsExactly(".klp.sym.vmlinux.saved_command_line,1");

        ModuleGenerator g = new ModuleGenerator("klp4j_test", true);
        g.add(patch, Map.of("cmdline_proc_show", r.ownSympos("cmdline_proc_show")));
        assertThat(g.source()).contains(".old_name = \"cmdline_proc_show\"").contains(".old_sympos = 1").contains(".replace = true");
        Path ko = g.build(dir.resolve("mod"), target.kbuildDir(), 2);

        String modinfo = Proc.check(null, "modinfo", ko.toString());
        assertThat(modinfo).containsPattern("(?m)^livepatch:\\s+Y$").containsPattern("(?m)^vermagic:\\s+" + target.release().replace(".", "\\.") + " ")
                .containsPattern("(?m)^license:\\s+GPL$");
        String relocs = Proc.check(null, "readelf", "-rW", ko.toString());
        assertThat(relocs).contains(".klp.rela.vmlinux..text.cmdline_proc_show").contains(".klp.sym.vmlinux.saved_command_line,1");
        ElfFile k = ElfReader.read(ko);
        assertThat(k.symbol(".klp.sym.vmlinux.saved_command_line,1").orElseThrow().shndx()).isEqualTo(Elf.SHN_LIVEPATCH);
        assertThat(k.section(".klp.rela.vmlinux..text.cmdline_proc_show").orElseThrow().flags()).isEqualTo(KlpRelocations.KLP_RELA_FLAGS);
        // Exported calls stay normal relocations with modversion CRCs.
        assertThat(Proc.check(null, "readelf", "-rW", ko.toString())).contains("seq_printf");
        assertThat(k.section("__versions")).isPresent();
        assertThat(Proc.check(null, "readelf", "-aW", ko.toString())).doesNotContainIgnoringCase("warning");
    }

}
