package dev.klp4j.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.Proc;
import dev.klp4j.testing.Readelf;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Objects of the other kernel architectures, little- and big-endian, parse and round-trip. */
class OtherArchitecturesTest {
    @TempDir Path tmp;

    private static final String SOURCE = """
            .section .text.foo,"ax"
            .globl foo
            .type foo, %function
            foo: .long 0x11223344
            .size foo, 4
            .data
            .globl ptr
            .type ptr, %object
            ptr: .quad foo + 8
            .quad undefined_thing
            .size ptr, 16
            """;

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "aarch64-linux-gnu, 183, LITTLE_ENDIAN",
        "powerpc64le-linux-gnu, 21, LITTLE_ENDIAN",
        "powerpc64-linux-gnu, 21, BIG_ENDIAN",
        "s390x-linux-gnu, 22, BIG_ENDIAN",
        "riscv64-linux-gnu, 243, LITTLE_ENDIAN",
    })
    void assembledObjectRoundTrips(String triple, int machine, String order) throws Exception {
        Path s = tmp.resolve("t.s");
        Files.writeString(s, SOURCE);
        Path o = tmp.resolve(triple + ".o");
        Proc.run(tmp, triple + "-as", s.toString(), "-o", o.toString()).orFail(triple + "-as");

        ElfFile elf = ElfReader.read(o);
        assertThat(elf.header().machine()).isEqualTo(machine);
        assertThat(elf.header().order().toString()).isEqualTo(order);
        Symbol foo = elf.symbol("foo").orElseThrow();
        assertThat(foo.section().name()).isEqualTo(".text.foo");
        assertThat(foo.isFunction()).isTrue();
        int word = java.nio.ByteBuffer.wrap(foo.section().data()).order(elf.header().order()).getInt();
        assertThat(word).isEqualTo(0x11223344);
        RelocationSection rela = elf.relocationsFor(elf.section(".data").orElseThrow()).orElseThrow();
        assertThat(rela.relocations()).extracting(r -> r.symbol().displayName())
                .containsExactly(rela.relocations().get(0).symbol().displayName(), "undefined_thing");

        Path out = tmp.resolve(triple + ".out.o");
        ElfWriter.write(elf, out);
        assertThat(Readelf.sectionsSymbolsRelocations(out)).isEqualTo(Readelf.sectionsSymbolsRelocations(o));
        Proc.run(tmp, triple + "-ld", "-r", "-o", tmp.resolve("l.o").toString(), out.toString()).orFail(triple + "-ld -r");
    }

    @Test
    void loongarchObjectBuiltByTheWriterIsReadBack() throws Exception {
        // No loongarch64 assembler in Debian 12: build the object with the writer and let readelf judge it.
        Section text = new Section(".text.f", Elf.SHT_PROGBITS, Elf.SHF_ALLOC | Elf.SHF_EXECINSTR, 4, 0, new byte[] {0, 0, 0x40, 0x4c});
        Section data = new Section(".data", Elf.SHT_PROGBITS, Elf.SHF_ALLOC | Elf.SHF_WRITE, 8, 0, new byte[8]);
        Symbol f = Symbol.defined("f", Elf.STB_GLOBAL, Elf.STT_FUNC, text, 0, 4);
        RelocationSection rela = new RelocationSection(".rela.data", true, Elf.SHF_INFO_LINK, data,
                List.of(new Relocation(0, 2 /* R_LARCH_64 */, f, 0)));
        ElfFile elf = new ElfFile(ElfHeader.relocatable(ByteOrder.LITTLE_ENDIAN, Elf.EM_LOONGARCH),
                List.of(text, data, rela), List.of(f));
        Path out = tmp.resolve("la.o");
        ElfWriter.write(elf, out);

        assertThat(Readelf.warnings(out)).isEmpty();
        String shown = Proc.run("readelf", "-h", "-r", "-s", out.toString()).orFail("readelf").out();
        assertThat(shown).contains("LoongArch").contains("R_LARCH_64").contains("FUNC    GLOBAL DEFAULT    1 f");
        ElfFile back = ElfReader.read(out);
        assertThat(back.header().machine()).isEqualTo(Elf.EM_LOONGARCH);
        assertThat(back.relocationsFor(back.section(".data").orElseThrow()).orElseThrow().relocations())
                .singleElement().satisfies(r -> assertThat(r.symbol().name()).isEqualTo("f"));
    }
}
