package dev.klp4j.klp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.ElfWriter;
import dev.klp4j.testing.Proc;
import dev.klp4j.testing.Readelf;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kvm_amd's svm_set_nested_state calls static_call(kvm_x86_cache_reg), a static call kvm.ko defines
 * and exports: the patch object must name its key, or objtool at the module's link keys the site by
 * the trampoline and the kernel refuses the module (Debian 13's update, session 11).
 */
class StaticCallKeysTest {
    @Test
    void anExportedKeyOfACalledTrampolineIsNamedForObjtoolOnce(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("s.c"), """
                extern void __SCT__kvm_x86_cache_reg(int);
                extern void __SCT__preempt_schedule_notrace(void);
                extern void __SCT__named(void);
                extern int __SCK__named;
                void *keep = &__SCK__named;
                void f(int r) { __SCT__kvm_x86_cache_reg(r); __SCT__preempt_schedule_notrace(); __SCT__named(); }
                """);
        Proc.check(dir, "gcc", "-c", "-O2", "s.c", "-o", "s.o");
        ElfFile o = ElfReader.read(dir.resolve("s.o"));
        Set<String> exports = Set.of("__SCK__kvm_x86_cache_reg", "__SCK__named"); // preempt_schedule_notrace's key is not exported

        assertThat(StaticCallKeys.name(o, exports::contains)).containsExactly("__SCK__kvm_x86_cache_reg");
        assertThat(StaticCallKeys.name(o, exports::contains)).as("named once").isEmpty();

        ElfWriter.write(o, dir.resolve("out.o"));
        assertThat(Readelf.sectionsSymbolsRelocations(dir.resolve("out.o")))
                .containsPattern("Relocation section '\\.rela\\.discard\\.addressable'[\\s\\S]*R_X86_64_64\\s+0+\\s+__SCK__kvm_x86_cache_reg \\+ 0")
                .doesNotContain("__SCK__preempt_schedule_notrace");
    }
}
