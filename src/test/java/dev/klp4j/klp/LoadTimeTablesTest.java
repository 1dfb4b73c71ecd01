package dev.klp4j.klp;

import dev.klp4j.diff.SpecialTable;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tables the kernel reads while loading the patch (6.1 layouts: jump entries of 16 bytes, static
 * call sites of 8) never refer to a patched module's symbols: such entries are dropped or refused.
 */
class LoadTimeTablesTest {
    private static final StructSizes SIZES = StructSizes.defaults().with(SpecialTable.JUMP_LABELS.size().key(), 16);

    /** One call site, with jump labels on three keys and static calls on two, as the kernel's macros lay them out. */
    static ElfFile compile(Path dir) throws Exception {
        Files.writeString(dir.resolve("t.c"), """
                void patched(void) {
                    asm volatile("1: nop\\n"
                        ".pushsection __jump_table, \\"aw\\"\\n .balign 8\\n"
                        " .long 1b - ., 1b - .\\n .quad __tracepoint_foo + 2 - .\\n"
                        " .long 1b - ., 1b - .\\n .quad module_key - .\\n"
                        " .long 1b - ., 1b - .\\n .quad vmlinux_key + 1 - .\\n"
                        ".popsection\\n"
                        ".pushsection .static_call_sites, \\"aw\\"\\n"
                        " .long 1b - .\\n .long __SCK__tp_func_foo + 1 - .\\n"
                        " .long 1b - .\\n .long __SCK__vmlinux_call - .\\n"
                        ".popsection\\n");
                }
                """);
        Proc.check(dir, "gcc", "-c", "-O2", "-ffunction-sections", "-fno-pic", "-mcmodel=kernel", "t.c", "-o", "t.o");
        return ElfReader.read(dir.resolve("t.o"));
    }

    /** The module's own symbols go through its livepatch relocations; vmlinux's are resolved at load. */
    static SymbolResolver.Resolution resolve(dev.klp4j.elf.Symbol s) {
        return s.name().contains("vmlinux")
                ? new SymbolResolver.Resolution("vmlinux", 1) : new SymbolResolver.Resolution("btrfs", 1);
    }

    private static List<String> targets(ElfFile f, String table) {
        RelocationSection rs = f.relocationSections().stream().filter(r -> r.target() != null && r.target().name().equals(table))
                .findFirst().orElseThrow();
        return rs.relocations().stream().map(Relocation::symbol).map(s -> s.name().isEmpty() ? s.section().name() : s.name()).toList();
    }

    @Test
    void entriesOnAPatchedModulesKeysAreDroppedOrRefused(@TempDir Path dir) throws Exception {
        ElfFile f = compile(dir);
        LoadTimeTables.Outcome o = LoadTimeTables.apply(f, LoadTimeTablesTest::resolve, SIZES);

        assertThat(o.dropped()).containsExactly(
                "tracepoint foo is off in the patched code (its static key lives in a patched module)",
                "static call __SCK__tp_func_foo: the call site goes through the trampoline (its key lives in a patched module)");
        assertThat(o.refused()).singleElement().asString()
                .contains("jump label on static key module_key").contains("module btrfs").contains("static_key_enabled()");

        Section jump = f.section("__jump_table").orElseThrow();
        assertThat(jump.size()).as("the tracepoint's entry is gone").isEqualTo(32);
        assertThat(targets(f, "__jump_table")).filteredOn(n -> !n.startsWith(".text"))
                .containsExactly("module_key", "vmlinux_key");
        Section sites = f.section(".static_call_sites").orElseThrow();
        assertThat(sites.size()).isEqualTo(8);
        assertThat(targets(f, ".static_call_sites")).filteredOn(n -> !n.startsWith(".text")).containsExactly("__SCK__vmlinux_call");
        assertThat(f.symbol("__SCK__tp_func_foo")).as("no undefined symbol is left for the dropped key").isEmpty();
        assertThat(f.symbol("__tracepoint_foo")).isEmpty();
    }

    @Test
    void vmlinuxKeysAndCodeSectionsAreLeftAlone(@TempDir Path dir) throws Exception {
        ElfFile f = compile(dir);
        LoadTimeTables.Outcome o = LoadTimeTables.apply(f, s -> new SymbolResolver.Resolution("vmlinux", 1), SIZES);
        assertThat(o.dropped()).isEmpty();
        assertThat(o.refused()).isEmpty();
        assertThat(f.section("__jump_table").orElseThrow().size()).isEqualTo(48);
        assertThat(f.section(".static_call_sites").orElseThrow().size()).isEqualTo(16);
    }

    @Test
    void whenEveryEntryGoesTheTableGoesToo(@TempDir Path dir) throws Exception {
        ElfFile f = compile(dir);
        LoadTimeTables.apply(f, s -> s.name().startsWith("__SCK__") ? new SymbolResolver.Resolution("kvm", 1)
                : SymbolResolver.Resolution.NORMAL, SIZES);
        assertThat(f.section(".static_call_sites")).isEmpty();
        assertThat(f.relocationSections()).noneMatch(r -> r.target() != null && r.target().name().equals(".static_call_sites"));
        assertThat(f.section("__jump_table").orElseThrow().size()).isEqualTo(48);
    }

    @Test
    void otherLoadTimeTablesRefuseModuleReferences() {
        assertThat(LoadTimeTables.readLate(new Section(".text.foo", dev.klp4j.elf.Elf.SHT_PROGBITS,
                dev.klp4j.elf.Elf.SHF_ALLOC | dev.klp4j.elf.Elf.SHF_EXECINSTR, 16, 0, new byte[0]))).isTrue();
        assertThat(LoadTimeTables.readLate(new Section(".altinstr_replacement", dev.klp4j.elf.Elf.SHT_PROGBITS,
                dev.klp4j.elf.Elf.SHF_ALLOC | dev.klp4j.elf.Elf.SHF_EXECINSTR, 1, 0, new byte[0]))).isFalse();
        assertThat(LoadTimeTables.readLate(new Section(".data.foo", dev.klp4j.elf.Elf.SHT_PROGBITS,
                dev.klp4j.elf.Elf.SHF_ALLOC | dev.klp4j.elf.Elf.SHF_WRITE, 8, 0, new byte[0]))).isTrue();
        for (String table : List.of(".altinstructions", ".parainstructions", "__ex_table", "__bug_table", "__tracepoints_ptrs", "__dyndbg")) {
            assertThat(LoadTimeTables.readLate(new Section(table, dev.klp4j.elf.Elf.SHT_PROGBITS, dev.klp4j.elf.Elf.SHF_ALLOC, 8, 0,
                    new byte[0]))).as(table).isFalse();
        }
    }

    /**
     * A linked 6.12 patch module as objtool leaves it: every direct call listed in .call_sites. The
     * call into btrfs is written only when btrfs's relocations are (after load), so its entry goes;
     * the vmlinux call (written at load, before module_finalize) and the module's own call stay.
     */
    @Test
    void callSitesOfCallsIntoAPatchedModuleAreDroppedFromTheLinkedModule(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.s"), """
                .section .text.patched,"ax"
                patched:
                1: call ".klp.sym.vmlinux.vmlinux_func,0"
                2: call ".klp.sym.btrfs.btrfs_func,1"
                3: call own
                   ret
                own: ret
                .section .call_sites,"a"
                .long 1b - .
                .long 2b - .
                .long 3b - .
                """);
        Proc.check(dir, "gcc", "-c", "t.s", "-o", "t.o");
        ElfFile ko = ElfReader.read(dir.resolve("t.o"));
        assertThat(KlpRelocations.finishLinked(ko)).isEqualTo(2);

        assertThat(LoadTimeTables.dropLateCallSites(ko)).isEqualTo(1);

        assertThat(ko.section(".call_sites").orElseThrow().size()).isEqualTo(8);
        RelocationSection rs = ko.relocationSections().stream().filter(r -> r.target() != null && r.target().name().equals(".call_sites"))
                .findFirst().orElseThrow();
        // What stays: the calls at 0 (vmlinux) and 10 (own), at entries 0 and 1.
        assertThat(rs.relocations()).extracting(r -> r.offset() + ":" + (r.symbol().value() + r.addend())).containsExactly("0:0", "4:10");
        assertThat(LoadTimeTables.dropLateCallSites(ko)).as("nothing left to drop").isZero();
    }

    /**
     * A patch object from a single-file module on 6.12 comes with objtool's tables; objtool at the
     * module's link would skip every table some object already has, leaving klp4j's own functions
     * without return sites or ORC. The copies go; everything else stays.
     */
    @Test
    void objtoolsTablesLeaveAPatchObjectForObjtoolAtTheLink(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("t.s"), """
                .section .text.f,"ax"
                f: call g
                1: jmp __x86_return_thunk
                .section .return_sites,"a"
                .long 1b - .
                .section .call_sites,"a"
                .long f - .
                .section .orc_unwind_ip,"a"
                .long f - .
                .section .orc_unwind,"a"
                .byte 0,0,0,0,0,0
                .section __bug_table,"aw"
                .long f - .
                """);
        Proc.check(dir, "gcc", "-c", "t.s", "-o", "t.o");
        ElfFile o = ElfReader.read(dir.resolve("t.o"));

        assertThat(LoadTimeTables.dropObjtoolTables(o)).containsExactly(".orc_unwind", ".orc_unwind_ip", ".return_sites", ".call_sites");

        assertThat(o.sections()).extracting(Section::name).doesNotContain(".return_sites", ".rela.return_sites", ".call_sites",
                ".rela.call_sites", ".orc_unwind", ".orc_unwind_ip", ".rela.orc_unwind_ip").contains(".text.f", "__bug_table", ".rela__bug_table");
        assertThat(o.symbols()).noneMatch(s -> s.section() != null && s.section().name().contains("sites"));
        assertThat(LoadTimeTables.dropObjtoolTables(o)).isEmpty();
    }
}
