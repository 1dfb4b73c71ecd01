package dev.klp4j.klp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.diff.PatchObjectFile;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The patch object goes from the differ to the module source in memory, as {@code klp4j build}
 * runs it: owner and changed functions come from its metadata, kallsyms positions from
 * {@link SymbolResolver}, nothing through a file.
 */
class PatchObjectFlowTest {
    static final Path DIR = Path.of("../shared/kpatch-unit-objs/x86_64");

    @Test
    void differOutputBecomesTheOwnersKlpObject() throws Exception {
        ElfFile orig = ElfReader.read(DIR.resolve("new-function.ORIG.o"));
        DiffResult r = Differ.diff(orig, ElfReader.read(DIR.resolve("new-function.PATCHED.o")),
                DiffOptions.defaults().withObjectName("fakemod"));
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        PatchObject patch = r.patch();
        assertThat(patch.meta().object()).isEqualTo("fakemod");
        assertThat(patch.elf().section(PatchObjectFile.SECTION)).as("the metadata is only on disk a section").isEmpty();

        Set<String> fileSymbols = new TreeSet<>();
        for (Symbol s : orig.symbols()) if (s.section() != null && !s.name().isEmpty() && !s.isSectionSymbol()) fileSymbols.add(s.name());
        // fakemod's kallsyms: another file's static n_tty_write first, far from this file's symbols; then this file's.
        List<String> module = new ArrayList<>(List.of("ffffffffa0000000 t n_tty_write"));
        for (int i = 0; i < 30; i++) module.add("ffffffffa0001000 t other_file_" + i);
        for (String n : fileSymbols) module.add("ffffffffa0002000 t " + n);
        KernelSymbols fakemod = KernelSymbols.parseMap("fakemod", module, null);
        // Every other reference is a vmlinux export, but redirected_tty_write, which is not exported.
        List<String> exports = new ArrayList<>();
        for (Symbol s : patch.elf().symbols()) {
            if (s.isUndefined() && !s.name().isEmpty() && !fileSymbols.contains(s.name()) && !s.name().equals("redirected_tty_write")) {
                exports.add("0x12345678\t" + s.name() + "\tvmlinux\tEXPORT_SYMBOL\t");
            }
        }
        KernelSymbols vmlinux = KernelSymbols.parseMap("vmlinux", List.of("ffffffff81000000 D redirected_tty_write"), null);
        PatchDefinitions own = PatchDefinitions.of(Map.of("drivers/tty/n_tty.o", patch));
        SymbolResolver resolver = new SymbolResolver(patch.meta().object(), ModuleSymvers.parse(exports), () -> vmlinux, fakemod,
                fileSymbols, own.names());

        List<String> klp = KlpRelocations.renameForLink(patch, resolver::resolve);
        assertThat(klp).containsExactlyInAnyOrder(".klp.sym.fakemod.process_echoes,1", ".klp.sym.fakemod.do_output_char,1",
                ".klp.sym.vmlinux.redirected_tty_write,1");
        ModuleGenerator gen = new ModuleGenerator("klp4j_flow", true);
        gen.add(patch, Map.of("n_tty_write", resolver.ownSympos("n_tty_write")));
        assertThat(gen.source()).contains("{ .name = \"fakemod\", .funcs = klp4j_funcs_0 }")
                .containsPattern("\\{ \\.old_name = \"n_tty_write\", \\.new_func = __klp4j_new_0, \\.old_sympos = 2 \\},")
                .doesNotContain("kpatch_n_tty_write");
    }
}
