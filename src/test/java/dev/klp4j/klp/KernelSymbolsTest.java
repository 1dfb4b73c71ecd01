package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelSymbolsTest {

    /** A map where "show" is static in three files, each surrounded by its file's other symbols. */
    private static List<String> map() {
        List<String> l = new ArrayList<>();
        long a = 0xffffffff81000000L;
        String[][] files = {
            {"a_open", "a_release", "show", "a_read", "a_write"},
            {"b_init_one", "b_probe", "show", "b_remove"},
            {"c_foo", "c_bar", "show", "c_baz", "c_qux", "c_last"},
        };
        for (String[] f : files) {
            for (String n : f) { l.add(String.format("%016x t %s", a, n)); a += 0x40; }
            // Other files' symbols in between, more than the neighbour window.
            for (int k = 0; k < 2 * KernelSymbols.WINDOW; k++) { l.add(String.format("%016x T other_%d", a, l.size())); a += 0x40; }
        }
        l.add(String.format("%016x D unique_data", a));
        return l;
    }

    @Test
    void uniqueNameIsPositionOne() {
        KernelSymbols s = KernelSymbols.parseMap("vmlinux", map(), null);
        assertThat(s.sympos("unique_data", Set.of())).isEqualTo(1);
        assertThat(s.count("show")).isEqualTo(3);
    }

    @Test
    void duplicateStaticResolvedByNeighbours() {
        KernelSymbols s = KernelSymbols.parseMap("vmlinux", map(), null);
        assertThat(s.sympos("show", Set.of("show", "b_probe", "b_remove"))).isEqualTo(2);
        assertThat(s.sympos("show", Set.of("show", "c_bar", "c_baz", "c_qux"))).isEqualTo(3);
        assertThat(s.sympos("show", Set.of("show", "a_open", "a_read"))).isEqualTo(1);
    }

    /**
     * A module's symbol table as ld writes it: two display files' runs of locals, each defining a
     * static {@code regs} among the same macro-made names (6.12's amdgpu: mcif_wb30_regs 11 times).
     */
    private static List<KernelSymbols.Entry> twoRuns() {
        List<KernelSymbols.Entry> e = new ArrayList<>();
        e.add(new KernelSymbols.Entry(0, 't', "a_open"));
        for (int k = 0; k < 10; k++) e.add(new KernelSymbols.Entry(0, 'd', "shared_" + k));
        e.add(new KernelSymbols.Entry(0, 'd', "regs"));
        for (String n : List.of("b_create", "b_pool")) e.add(new KernelSymbols.Entry(0, 't', n));
        for (int k = 0; k < 10; k++) e.add(new KernelSymbols.Entry(0, 'd', "shared_" + k));
        e.add(new KernelSymbols.Entry(0, 'd', "regs"));
        e.add(new KernelSymbols.Entry(0, 'd', "b_caps"));
        e.add(new KernelSymbols.Entry(0, 'T', "amdgpu_init"));
        return e;
    }

    private static FileOrder locals(List<String> symtabLocals) {
        return new FileOrder(symtabLocals, List.of());
    }

    private static List<String> bLocals() {
        List<String> l = new ArrayList<>(List.of("b_create", "b_pool"));
        for (int k = 0; k < 10; k++) l.add("shared_" + k);
        l.addAll(List.of("regs", "b_caps"));
        return l;
    }

    @Test
    void inAModuleTheFilesOwnOrderOfItsLocalsTellsWhatItsNeighboursCannot() {
        KernelSymbols amdgpu = new KernelSymbols("amdgpu", twoRuns(), Set.of(), true);
        Set<String> b = Set.copyOf(bLocals());
        // Every file symbol is near both occurrences: the neighbours tie.
        assertThatThrownBy(() -> amdgpu.sympos("regs", b)).isInstanceOf(Failure.class).hasMessageContaining("do not tell");
        // b's run: after its anchor b_pool (defined once), the first regs is its own.
        assertThat(amdgpu.sympos("regs", b, locals(bLocals()))).isEqualTo(2);
        // a's run: its anchor a_open precedes its regs; without one before, the last before one after
        assertThat(amdgpu.sympos("regs", Set.of("a_open", "regs"), locals(List.of("a_open", "shared_0", "regs")))).isEqualTo(1);
        assertThat(amdgpu.sympos("regs", b, locals(List.of("shared_9", "regs", "b_caps")))).isEqualTo(2);
        // No anchor at all: no answer.
        assertThatThrownBy(() -> amdgpu.sympos("regs", b, locals(List.of("shared_9", "regs")))).isInstanceOf(Failure.class);
        // A System.map is in address order: a file's order tells nothing there.
        KernelSymbols vmlinux = new KernelSymbols("vmlinux", twoRuns());
        assertThatThrownBy(() -> vmlinux.sympos("regs", b, locals(bLocals()))).isInstanceOf(Failure.class).hasMessageContaining("do not tell");
    }

    @Test
    void whereNeighboursAndTheFilesOrderDisagreeTheOrderIsRight() {
        // 6.12.117's amdgpu: res_create_funcs #17 ends the display file before dcn32_resource.o, 9
        // entries before dcn32_create_audio, the first of dcn32's run; dcn32's own is #18, after
        // its anchors res_cap_dcn32 and dcn32_res_pool_funcs, far from its functions.
        List<KernelSymbols.Entry> e = new ArrayList<>();
        e.add(new KernelSymbols.Entry(0, 'r', "res_create_funcs"));
        for (String n : List.of("dcn32_create_audio", "dcn32_dpp_create", "dcn32_mpc_create")) e.add(new KernelSymbols.Entry(0, 't', n));
        for (int k = 0; k < 2 * KernelSymbols.WINDOW; k++) e.add(new KernelSymbols.Entry(0, 'r', "shared_" + k));
        for (String n : List.of("res_cap_dcn32", "res_create_funcs")) e.add(new KernelSymbols.Entry(0, 'r', n));
        KernelSymbols m = new KernelSymbols("amdgpu", e, Set.of(), true);
        Set<String> file = Set.of("dcn32_create_audio", "dcn32_dpp_create", "dcn32_mpc_create", "res_cap_dcn32", "res_create_funcs");
        assertThat(m.sympos("res_create_funcs", file)).as("the neighbours' guess").isEqualTo(1);
        assertThat(m.sympos("res_create_funcs", file, locals(List.of("dcn32_create_audio", "dcn32_dpp_create", "dcn32_mpc_create",
                "res_cap_dcn32", "res_create_funcs")))).isEqualTo(2);
        // A name the file defines twice is not told by its order.
        assertThat(m.sympos("res_create_funcs", file, locals(List.of("res_create_funcs", "dcn32_create_audio", "res_create_funcs")))).isEqualTo(1);
    }

    @Test
    void inVmlinuxTheFilesSectionOrderPerRegionTellsWhatItsNeighboursGuessWrong() {
        // 6.12.117: huge_memory.c's pmd_pgtable_page lies among its own functions before its
        // tracepoint's; khugepaged.c's copy lies just after huge_memory.c's last names, as many of
        // them near it as near the first (in the real map more: the neighbours chose it).
        List<String> map = new ArrayList<>();
        long a = 0xffffffff81400000L;
        String[] layout = {"T huge_a", "t pmd_write", "t pmd_pgtable_page", "T __traceiter_set_migration_pmd",
            "T huge_b", "T huge_c", "T huge_d", "T huge_e", "T set_pmd_migration_entry", "T remove_migration_pmd",
            "t pmd_pgtable_page", "T __traceiter_mm_khugepaged_scan_pmd", "T khugepaged_x"};
        for (String e : layout) { map.add(String.format("%016x %s", a, e)); a += 0x40; }
        KernelSymbols vmlinux = KernelSymbols.parseMap("vmlinux", map, null);
        Set<String> huge = Set.of("huge_a", "pmd_write", "pmd_pgtable_page", "__traceiter_set_migration_pmd", "huge_b", "huge_c",
                "huge_d", "huge_e", "set_pmd_migration_entry", "remove_migration_pmd");
        assertThatThrownBy(() -> vmlinux.sympos("pmd_pgtable_page", huge)).hasMessageContaining("do not tell");
        FileOrder order = new FileOrder(List.of("pmd_write", "pmd_pgtable_page"), List.of(
                List.of("huge_a", "pmd_write", "pmd_pgtable_page", "__traceiter_set_migration_pmd", "huge_b"), List.of("huge_rodata")));
        assertThat(vmlinux.sympos("pmd_pgtable_page", huge, order)).isEqualTo(1);
        // khugepaged.c: its copy is the last before its own tracepoint's function
        FileOrder khugepaged = new FileOrder(List.of(), List.of(List.of("pmd_pgtable_page", "__traceiter_mm_khugepaged_scan_pmd")));
        assertThat(vmlinux.sympos("pmd_pgtable_page", Set.of("khugepaged_x"), khugepaged)).isEqualTo(2);
        assertThat(FileOrder.region(".text.pmd_pgtable_page")).isEqualTo(".text");
        assertThat(FileOrder.region(".text.unlikely.pmd_write")).isEqualTo(".text.unlikely");
        assertThat(FileOrder.region(".rodata.huge_rodata")).isEqualTo(".rodata");
        assertThat(FileOrder.region(".data..percpu")).isEqualTo(".data..percpu");
        assertThat(FileOrder.region(".text..refcount")).isEqualTo(".text..refcount");
    }

    @Test
    void ambiguityIsAnErrorNotAGuess() {
        KernelSymbols s = KernelSymbols.parseMap("vmlinux", map(), null);
        assertThatThrownBy(() -> s.sympos("show", Set.of("show", "unrelated")))
                .isInstanceOf(Failure.class).hasMessageContaining("defined 3 times").hasMessageContaining("none has this file's symbols");
        // One neighbour from two different files: a tie.
        assertThatThrownBy(() -> s.sympos("show", Set.of("show", "b_probe", "c_bar")))
                .isInstanceOf(Failure.class).hasMessageContaining("do not tell");
        assertThatThrownBy(() -> s.sympos("missing", Set.of())).hasMessageContaining("not found");
    }

    @Test
    void globalReferenceSkipsStaticsOfTheSameName() {
        List<String> l = List.of("ffffffff81000000 t reset", "ffffffff81000040 T reset", "ffffffff81000080 t reset", "ffffffff81000100 t other");
        KernelSymbols s = KernelSymbols.parseMap("vmlinux", l, null);
        assertThat(s.globalPosition("reset")).isEqualTo(2);
        assertThat(s.globalPosition("other")).isZero();
        SymbolResolver r = new SymbolResolver("vmlinux", ModuleSymvers.parse(List.of()), () -> s, null, Set.of());
        assertThat(r.resolve("reset", false)).isEqualTo(new SymbolResolver.Resolution("vmlinux", 2));
        assertThat(r.resolve("other", false)).isEqualTo(new SymbolResolver.Resolution("vmlinux", 1));
        // A static of this file with a duplicated name and no telling neighbours: refused.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.resolve("reset", true)).isInstanceOf(Failure.class);
    }

    @Test
    void exportsAreNormalUnlessTheModuleBeingPatchedExportsThem() {
        ModuleSymvers sv = ModuleSymvers.parse(List.of("0x1\tprintk\tvmlinux\tEXPORT_SYMBOL\t", "0x2\txfs_helper\tfs/xfs/xfs\tEXPORT_SYMBOL_GPL\t"));
        KernelSymbols xfs = KernelSymbols.parseMap("xfs", List.of("ffffffffc0000000 T xfs_helper", "ffffffffc0000040 t xfs_local"), null);
        KernelSymbols vm = KernelSymbols.parseMap("vmlinux", List.of("ffffffff81000000 T printk", "ffffffff81000040 t vm_static"), null);
        SymbolResolver r = new SymbolResolver("xfs", sv, () -> vm, xfs, Set.of("xfs_local"));
        assertThat(r.resolve("printk", false).isKlp()).isFalse();
        assertThat(r.resolve("xfs_helper", false)).isEqualTo(new SymbolResolver.Resolution("xfs", 1));
        assertThat(r.resolve("xfs_local", true)).isEqualTo(new SymbolResolver.Resolution("xfs", 1));
        assertThat(r.resolve("vm_static", false)).isEqualTo(new SymbolResolver.Resolution("vmlinux", 1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> r.resolve("nowhere", false)).hasMessageContaining("neither exported nor found");
        // Patching vmlinux: its own exports stay normal relocations.
        SymbolResolver v = new SymbolResolver("vmlinux", sv, () -> vm, null, Set.of());
        assertThat(v.resolve("printk", false).isKlp()).isFalse();
    }

    @Test
    void anotherModulesExportThatThePatchedModuleUsesIsReachedThroughThatModule() {
        // 6.1.190's hv_sock fix calls vmbus_open (hv_vmbus): as a normal relocation the update
        // depended on hv_vmbus, which loads only on Hyper-V, and failed to load anywhere else.
        ModuleSymvers sv = ModuleSymvers.parse(List.of("0x1\tprintk\tvmlinux\tEXPORT_SYMBOL\t",
                "0x2\tvmbus_open\tdrivers/hv/hv_vmbus\tEXPORT_SYMBOL_GPL\t",
                "0x3\tvmbus_proto_version\tdrivers/hv/hv_vmbus\tEXPORT_SYMBOL_GPL\t",
                "0x4\tnew_helper\tdrivers/misc/helper-mod\tEXPORT_SYMBOL_GPL\t"));
        KernelSymbols hvSock = new KernelSymbols("hv_sock", List.of(new KernelSymbols.Entry(0, 't', "hvs_open")),
                Set.of("vmbus_open", "vmbus_proto_version", "printk"), true);
        KernelSymbols hvVmbus = new KernelSymbols("hv_vmbus", List.of(new KernelSymbols.Entry(0, 'T', "vmbus_open"),
                new KernelSymbols.Entry(8, 'D', "vmbus_proto_version")));
        KernelSymbols helper = new KernelSymbols("helper_mod", List.of(new KernelSymbols.Entry(0, 'T', "new_helper")));
        java.util.Map<String, KernelSymbols> mods = java.util.Map.of("hv_vmbus", hvVmbus, "helper_mod", helper);
        SymbolResolver r = new SymbolResolver("hv_sock", sv, () -> null, hvSock, Set.of(), Set.of(), mods::get);
        assertThat(r.resolve("vmbus_open", false)).isEqualTo(new SymbolResolver.Resolution("hv_vmbus", 1));
        assertThat(r.resolve("vmbus_proto_version", false)).isEqualTo(new SymbolResolver.Resolution("hv_vmbus", 1));
        assertThat(r.resolve("printk", false).isKlp()).as("vmlinux's exports are always there").isFalse();
        assertThat(r.resolve("new_helper", false).isKlp()).as("a module hv_sock does not use: the patch loads it").isFalse();
    }

    @Test
    void aModulesImportsAreTheGlobalsItLeavesUndefined() throws Exception {
        KernelSymbols n = KernelSymbols.fromModule("n_tty", dev.klp4j.elf.ElfReader.read(
                java.nio.file.Path.of("../shared/kpatch-unit-objs/x86_64/new-function.ORIG.o")));
        assertThat(n.imports("kill_fasync")).isTrue();
        assertThat(n.imports("n_tty_inherit_ops")).as("defined here").isFalse();
        assertThat(n.contains("n_tty_inherit_ops")).isTrue();
    }

    @Test
    void kallsymsModuleColumnSelectsTheObject() {
        List<String> l = List.of(
                "ffffffff81000000 t show",
                "ffffffffc0000000 t show\t[minix]",
                "ffffffffc0000040 t minix_foo\t[minix]",
                "ffffffffc0001000 t show\t[xfs]");
        assertThat(KernelSymbols.parseMap("vmlinux", l, null).entries()).hasSize(1);
        KernelSymbols minix = KernelSymbols.parseMap("minix", l, "minix");
        assertThat(minix.entries()).extracting(KernelSymbols.Entry::name).containsExactly("show", "minix_foo");
        assertThat(minix.entries().get(0).isLocal()).isTrue();
    }

    @Test
    void moduleSymbolsAreThoseTheLoaderKeeps(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("m.c"), """
                static int __attribute__((used, section(".init.text"))) setup(void) { return 1; }
                static int helper(int x) { return x + 1; }
                int api(int x) { return helper(x) * 2; }
                static int counter;
                int *counter_ptr = &counter;
                """);
        Proc.check(dir, "gcc", "-c", "-O1", "-fno-inline", "m.c", "-o", "m.o");
        KernelSymbols s = KernelSymbols.fromModule("m", dev.klp4j.elf.ElfReader.read(dir.resolve("m.o")));
        assertThat(s.entries()).extracting(KernelSymbols.Entry::name).contains("helper", "api", "counter", "counter_ptr")
                .doesNotContain("setup", "m.c", "");
        assertThat(s.entries()).filteredOn(e -> e.name().equals("helper")).singleElement()
                .satisfies(e -> assertThat(e.isLocal()).isTrue());
        assertThat(s.entries()).filteredOn(e -> e.name().equals("api")).singleElement()
                .satisfies(e -> assertThat(e.type()).isEqualTo('T'));
    }

    @Test
    void debianPlaceholderIsExplained(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("System.map");
        Files.writeString(p, "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n");
        assertThatThrownBy(() -> KernelSymbols.readMap("vmlinux", p, null)).hasMessageContaining("--symbols");
    }

    @Test
    void malformedLineNamesTheLine() {
        assertThatThrownBy(() -> KernelSymbols.parseMap("vmlinux", List.of("ffffffff81000000 t ok", "garbage"), null))
                .hasMessageContaining("line 2");
    }
}
