package dev.klp4j.pipeline;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.testing.HoldsTheTree;
import org.junit.jupiter.api.extension.ExtendWith;


import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.kbuild.ObjectCompiler;
import dev.klp4j.kbuild.SourceTreeCache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.TestKernel;
import dev.klp4j.diff.DiffOptions;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import dev.klp4j.klp.KernelSymbols;
import dev.klp4j.klp.VmlinuxKallsyms;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kallsyms read from the real Debian vmlinuz, and sympos of a static defined in two files of it. */
@ExtendWith(HoldsTheTree.class)
@Tag("kernel")
class VmlinuxSymbolsTest {

    @Test
    void duplicateStaticResolvesToItsOwnFile(@TempDir Path work) throws Exception {
        KernelTarget target = TestKernel.target();
        assertThat(target.vmlinuz()).as("linux-image installs the vmlinuz").isRegularFile();
        KernelSymbols vmlinux = VmlinuxKallsyms.fromVmlinuz(target.vmlinuz());
        assertThat(vmlinux.entries().size()).isGreaterThan(50_000);
        assertThat(vmlinux.entries()).filteredOn(e -> e.name().equals("cmdline_proc_show"))
                .singleElement().satisfies(e -> assertThat(e.type()).isEqualTo('t'));
        assertThat(vmlinux.count("klp_enable_patch")).isEqualTo(1);

        SourceTreeCache c = new SourceTreeCache(SourceTreeCache.dirFor(CacheRoot.path(), target), target, 2);
        c.ensure(m -> { });
        // proc_single_open is static in both fs/proc/base.c and fs/proc/generic.c.
        new ObjectCompiler(c.tree(), 2).compile(List.of("fs/proc/base.o", "fs/proc/generic.o"), work);
        assertThat(vmlinux.count("proc_single_open")).isEqualTo(2);
        int base = vmlinux.sympos("proc_single_open", defined(work.resolve("fs/proc/base.o")));
        int generic = vmlinux.sympos("proc_single_open", defined(work.resolve("fs/proc/generic.o")));
        assertThat(List.of(base, generic)).containsExactlyInAnyOrder(1, 2);
        // kallsyms is in address order, which follows link order: fs/proc/Makefile lists the objects.
        String mk = Files.readString(c.tree().resolve("fs/proc/Makefile"));
        assertThat(base).isEqualTo(mk.indexOf("base.o") < mk.indexOf("generic.o") ? 1 : 2);
        // The same from where each object lays its text out (what the build uses first).
        for (String o : List.of("fs/proc/base.o", "fs/proc/generic.o")) {
            Path obj = work.resolve(o);
            ObjectDiffer.Outcome own = new ObjectDiffer().diff(obj, obj, DiffOptions.defaults().withObjectName("vmlinux"));
            assertThat(own.originalOrder().addressRuns()).anySatisfy(run -> assertThat(run).contains("proc_single_open"));
            assertThat(vmlinux.sympos("proc_single_open", Set.of(), own.originalOrder())).as(o).isEqualTo(o.endsWith("base.o") ? base : generic);
        }
    }

    static Set<String> defined(Path o) throws Exception {
        ElfFile f = ElfReader.read(o);
        Set<String> s = new HashSet<>();
        for (Symbol y : f.symbols()) if (y.section() != null && !y.name().isEmpty() && !y.isSectionSymbol()) s.add(y.name());
        return s;
    }
}
