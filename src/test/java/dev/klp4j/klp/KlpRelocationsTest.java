package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.diff.FunctionStatus;
import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.ElfWriter;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KlpRelocationsTest {

    /**
     * A gcc-compiled object calling a static of the original file (foo), an export (printk) and
     * unexported data (bar), with the metadata the differ would give it. Its references are
     * NOTYPE, as gcc leaves them: the metadata's types are what the livepatch symbols get.
     */
    static PatchObject compile(Path dir) throws Exception {
        return compile(dir, List.of(new PatchMeta.Reference("foo", Elf.STT_FUNC, true, 1), new PatchMeta.Reference("bar", Elf.STT_OBJECT, false, 1),
                new PatchMeta.Reference("printk", Elf.STT_FUNC, false, 1)));
    }

    static PatchObject compile(Path dir, List<PatchMeta.Reference> references) throws Exception {
        Files.writeString(dir.resolve("t.c"), """
                extern int foo(int);
                extern int printk(const char *, ...);
                extern int bar;
                int patched(int x) { printk("x"); return foo(x) + bar; }
                int other(int x) { return foo(x * 2); }
                """);
        Proc.check(dir, "gcc", "-c", "-O2", "-ffunction-sections", "-fdata-sections", "-fno-pic", "-mcmodel=kernel", "t.c", "-o", "t.o");
        ElfFile f = ElfReader.read(dir.resolve("t.o"));
        PatchMeta meta = new PatchMeta("vmlinux", List.of(new PatchMeta.Function("patched", FunctionStatus.CHANGED, 10, 20, 1, true)),
                references, List.of());
        return new PatchObject(f, meta);
    }

    static SymbolResolver.Resolution resolve(String name, boolean wasLocal) {
        return switch (name) {
            case "foo" -> { assertThat(wasLocal).isTrue(); yield new SymbolResolver.Resolution("vmlinux", 1); }
            case "bar" -> new SymbolResolver.Resolution("vmlinux", 2);
            default -> SymbolResolver.Resolution.NORMAL;
        };
    }

    /** Both halves on the object itself, unlinked: what the module gets, in the layout readelf expects. */
    @Test
    void convertsNonExportedReferences(@TempDir Path dir) throws Exception {
        PatchObject patch = compile(dir);
        ElfFile f = patch.elf();
        List<String> renamed = KlpRelocations.renameForLink(patch, KlpRelocationsTest::resolve);
        assertThat(renamed).containsExactlyInAnyOrder(".klp.sym.vmlinux.foo,1", ".klp.sym.vmlinux.bar,2");
        assertThat(KlpRelocations.finishLinked(f)).isEqualTo(3); // foo twice (patched, other), bar once
        ElfWriter.write(f, dir.resolve("out.o"));

        ElfFile back = ElfReader.read(dir.resolve("out.o"));
        RelocationSection klp = (RelocationSection) back.section(".klp.rela.vmlinux..text.patched").orElseThrow();
        assertThat(klp.flags() & Elf.SHF_RELA_LIVEPATCH).isEqualTo(0x00100000L);
        assertThat(klp.isAlloc()).isTrue();
        assertThat(klp.target().name()).isEqualTo(".text.patched");
        assertThat(klp.relocations()).extracting(r -> r.symbol().name())
                .containsExactlyInAnyOrder(".klp.sym.vmlinux.foo,1", ".klp.sym.vmlinux.bar,2");
        assertThat(back.section(".klp.rela.vmlinux..text.other")).isPresent();
        Symbol foo = back.symbol(".klp.sym.vmlinux.foo,1").orElseThrow();
        assertThat(foo.shndx()).isEqualTo(0xff20);
        assertThat(foo.bind()).isEqualTo(Elf.STB_GLOBAL);
        assertThat(foo.type()).isEqualTo(Elf.STT_FUNC);
        assertThat(back.symbol(".klp.sym.vmlinux.bar,2").orElseThrow().type()).isEqualTo(Elf.STT_OBJECT);
        // The export stays a normal relocation in .rela.text.patched; the plain foo/bar are gone.
        RelocationSection normal = (RelocationSection) back.section(".rela.text.patched").orElseThrow();
        assertThat(normal.relocations()).extracting(r -> r.symbol() == null ? "" : r.symbol().name()).contains("printk")
                .doesNotContain("foo", "bar");
        assertThat(back.symbol("foo")).isEmpty();
        assertThat(back.symbol("bar")).isEmpty();

        String relocs = Proc.check(dir, "readelf", "-rW", "out.o");
        assertThat(relocs).contains("Relocation section '.klp.rela.vmlinux..text.patched'").contains(".klp.sym.vmlinux.foo,1")
                .contains(".klp.sym.vmlinux.bar,2");
        String secs = Proc.check(dir, "readelf", "-SW", "out.o");
        assertThat(secs).containsPattern("\\.klp\\.rela\\.vmlinux\\.\\.text\\.patched\\s+RELA\\s.*\\sAIo?\\s");
    }

    @Test
    void renameForLinkKeepsSymbolsUndefinedAndFinishLinkedConverts(@TempDir Path dir) throws Exception {
        PatchObject patch = compile(dir);
        ElfFile f = patch.elf();
        List<String> renamed = KlpRelocations.renameForLink(patch, KlpRelocationsTest::resolve);
        assertThat(renamed).containsExactlyInAnyOrder(".klp.sym.vmlinux.foo,1", ".klp.sym.vmlinux.bar,2");
        assertThat(f.symbol(".klp.sym.vmlinux.foo,1").orElseThrow().isUndefined()).isTrue();
        ElfWriter.write(f, dir.resolve("renamed.o"));
        // ld -r takes the renamed object (an SHN_LIVEPATCH symbol would not survive a link).
        Proc.check(dir, "ld", "-r", "renamed.o", "-o", "linked.o");
        ElfFile linked = ElfReader.read(dir.resolve("linked.o"));
        int moved = KlpRelocations.finishLinked(linked);
        assertThat(moved).isEqualTo(3); // foo twice (patched, other), bar once
        ElfWriter.write(linked, dir.resolve("final.o"));
        String syms = Proc.check(dir, "readelf", "-sW", "final.o");
        assertThat(syms).containsPattern("GLOBAL DEFAULT\\s+(OS \\[0xff20\\]|0xff20|LOOS\\+0)\\s+\\.klp\\.sym\\.vmlinux\\.foo,1");
        assertThat(Proc.check(dir, "readelf", "-rW", "final.o")).contains("'.klp.rela.vmlinux..text.other'");
    }

    /** Why the conversion is finished after the link: ld -r does not keep livepatch relocations made before it. */
    @Test
    void ldFoldsKlpSectionsAndMakesLivepatchSymbolsAbsolute(@TempDir Path dir) throws Exception {
        PatchObject patch = compile(dir);
        ElfFile f = patch.elf();
        KlpRelocations.renameForLink(patch, KlpRelocationsTest::resolve);
        KlpRelocations.finishLinked(f);
        assertThat(f.relocationSections()).extracting(Section::name).anyMatch(n -> n.startsWith(".klp.rela."));
        assertThat(f.symbol(".klp.sym.vmlinux.foo,1").orElseThrow().isLivepatch()).isTrue();
        ElfWriter.write(f, dir.resolve("klp.o"));
        Proc.check(dir, "ld", "-r", "klp.o", "-o", "linked.o");
        ElfFile linked = ElfReader.read(dir.resolve("linked.o"));
        // No .klp.rela.* survives as a relocation section: ld folds it into .rela.X, or, when .rela.X exists
        // too, copies it as an opaque SHT_LOOS+4 section whose symbol indices no longer mean anything.
        assertThat(linked.relocationSections()).extracting(Section::name).noneMatch(n -> n.startsWith(".klp.rela."));
        Symbol foo = linked.symbol(".klp.sym.vmlinux.foo,1").orElseThrow();
        assertThat(foo.isLivepatch()).isFalse();
        assertThat(foo.shndx()).isEqualTo(Elf.SHN_ABS);
    }

    @Test
    void referencesWithoutMetadataAreGlobalAndErrorsPropagate(@TempDir Path dir) throws Exception {
        PatchObject f = compile(dir, List.of());
        assertThatThrownBy(() -> KlpRelocations.renameForLink(f, (n, local) -> { throw new Failure(n + ": not found"); }))
                .hasMessageEndingWith("not found");
        Map<String, Boolean> seen = new java.util.HashMap<>();
        PatchObject g = compile(dir, List.of());
        assertThat(KlpRelocations.renameForLink(g, (n, local) -> { seen.put(n, local); return SymbolResolver.Resolution.NORMAL; })).isEmpty();
        assertThat(seen).containsOnly(Map.entry("foo", false), Map.entry("bar", false), Map.entry("printk", false));
        assertThat(g.elf().symbol("foo").orElseThrow().isUndefined()).as("a normal reference keeps its name").isTrue();
    }
}
