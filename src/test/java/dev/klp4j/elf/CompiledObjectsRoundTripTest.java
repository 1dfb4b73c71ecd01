package dev.klp4j.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.Proc;
import dev.klp4j.testing.Readelf;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects gcc compiles during the test, kernel-style, round-trip the same way as the corpus. */
class CompiledObjectsRoundTripTest {
    @TempDir Path tmp;

    private Path compile(String name, String source, String... flags) throws Exception {
        Path c = tmp.resolve(name + ".c");
        Files.writeString(c, source);
        Path o = tmp.resolve(name + ".o");
        String[] cmd = new String[flags.length + 5];
        cmd[0] = "gcc";
        System.arraycopy(flags, 0, cmd, 1, flags.length);
        cmd[flags.length + 1] = "-c";
        cmd[flags.length + 2] = c.toString();
        cmd[flags.length + 3] = "-o";
        cmd[flags.length + 4] = o.toString();
        Proc.run(tmp, cmd).orFail("gcc " + name);
        return o;
    }

    private void assertRoundTrips(Path in) throws Exception {
        Path out = tmp.resolve(in.getFileName() + ".out");
        ElfWriter.write(ElfReader.read(in), out);
        assertThat(Readelf.sectionsSymbolsRelocations(out)).isEqualTo(Readelf.sectionsSymbolsRelocations(in));
        assertThat(Readelf.warnings(out)).isEmpty();
        Proc.run("ld", "-r", "-o", tmp.resolve("linked.o").toString(), out.toString()).orFail("ld -r");
        // the user's umask, as any new file: not the 0600 of a temp file
        assertThat(java.nio.file.Files.getPosixFilePermissions(out))
                .isEqualTo(java.nio.file.Files.getPosixFilePermissions(java.nio.file.Files.createFile(tmp.resolve(in.getFileName() + ".plain"))));
    }

    @Test
    void kernelStyleObjectWithFentryGroupsAndStaticLocals() throws Exception {
        String src = """
                static int counter;
                int shared_value = 3;
                __attribute__((noinline)) static int helper(int x) { static int calls; calls++; return x * calls + counter; }
                int visible(int x) { return helper(x) + shared_value; }
                __attribute__((section(".init.text"))) int setup(void) { return visible(1); }
                inline int comdat_fn(int x) { return x + 1; }
                int use_comdat(int x) { return comdat_fn(x); }
                const char *name(void) { return "klp4j"; }
                """;
        Path o = compile("kern", src, "-O2", "-ffunction-sections", "-fdata-sections", "-pg", "-mfentry",
                "-mrecord-mcount", "-fno-pic", "-mcmodel=kernel", "-fno-asynchronous-unwind-tables");
        ElfFile elf = ElfReader.read(o);
        assertThat(elf.section(".text.visible")).isPresent();
        assertThat(elf.section("__mcount_loc")).isPresent();
        assertThat(elf.symbols("__fentry__")).singleElement().satisfies(s -> assertThat(s.isUndefined()).isTrue());
        assertRoundTrips(o);
    }

    @Test
    void comdatGroupsAreReindexed() throws Exception {
        Path c = tmp.resolve("grp.cc");
        Files.writeString(c, "template<int N> int f() { return N; } int g() { return f<1>() + f<2>(); }\n");
        Path o = tmp.resolve("grp.o");
        Proc.run(tmp, "g++", "-O0", "-ffunction-sections", "-c", c.toString(), "-o", o.toString()).orFail("g++");
        ElfFile elf = ElfReader.read(o);
        assertThat(elf.sections()).filteredOn(s -> s instanceof GroupSection).hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(s -> assertThat(((GroupSection) s).members()).isNotEmpty());
        assertRoundTrips(o);
    }

    @Test
    void extendedSectionNumberingBeyond65280Sections() throws Exception {
        // 22,000 functions and variables: a .text, .rela.text and .data section each, past SHN_LORESERVE.
        StringBuilder src = new StringBuilder();
        for (int i = 0; i < 22000; i++) src.append("int v").append(i).append(" = ").append(i)
                .append("; int f").append(i).append("(void) { return v").append(i).append("; }\n");
        Path o = compile("big", src.toString(), "-O1", "-ffunction-sections", "-fdata-sections");
        ElfFile elf = ElfReader.read(o);
        assertThat(elf.sections().size()).isGreaterThan(Elf.SHN_LORESERVE);
        assertThat(elf.section(".symtab_shndx")).isPresent();
        var indices = elf.sectionIndices();
        Symbol far = elf.symbols().stream().filter(s -> s.section() != null && !s.isSectionSymbol())
                .max(java.util.Comparator.comparing(s -> indices.get(s.section()))).orElseThrow();
        assertThat(indices.get(far.section())).isGreaterThan(Elf.SHN_LORESERVE);
        assertThat(far.section().name()).endsWith("." + far.name());
        assertRoundTrips(o);
    }
}
