package dev.klp4j.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.cli.Main;
import dev.klp4j.testing.SharedData;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Damaged objects give exit 2 and one line naming the file and the fault, and no output file. */
class MalformedInputTest {
    @TempDir Path tmp;
    byte[] good;

    @BeforeEach
    void load() throws Exception {
        good = Files.readAllBytes(SharedData.unitObjects().resolve("cmdline-ubsan.ORIG.o"));
    }

    private record Run(int exit, String err) {}

    private Run rewrite(byte[] input) throws Exception {
        Path in = tmp.resolve("in.o");
        Files.write(in, input);
        Path out = tmp.resolve("out.o");
        Files.deleteIfExists(out);
        CommandLine cl = Main.newCommandLine();
        StringWriter err = new StringWriter();
        cl.setErr(new PrintWriter(err));
        int exit = cl.execute("elf", "rewrite", in.toString(), out.toString());
        assertThat(out).as("no partial output").doesNotExist();
        return new Run(exit, err.toString());
    }

    private void assertRejected(byte[] input, String fault) throws Exception {
        Run r = rewrite(input);
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().satisfies(line -> {
            assertThat(line).startsWith("klp4j: " + tmp.resolve("in.o") + ": ");
            assertThat(line).contains(fault);
        });
    }

    private byte[] patched(Consumer<ByteBuffer> edit) {
        byte[] copy = good.clone();
        edit.accept(ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN));
        return copy;
    }

    private int sectionHeader(ByteBuffer b, int index) {
        return (int) (b.getLong(40) + 64L * index);
    }

    private int sectionOfType(ByteBuffer b, int type) {
        for (int i = 1; i < (b.getShort(60) & 0xffff); i++) if (b.getInt(sectionHeader(b, i) + 4) == type) return i;
        throw new AssertionError("no section of type " + type);
    }

    @Test
    void badMagicAndEmptyFile() throws Exception {
        assertRejected(new byte[0], "not an ELF file (bad magic)");
        assertRejected(patched(b -> b.put(1, (byte) 'X')), "not an ELF file (bad magic)");
        assertRejected("#!/bin/sh\necho hi\n".getBytes(), "bad magic");
    }

    @Test
    void elf32AndNonRelocatableAreNamed() throws Exception {
        assertRejected(patched(b -> b.put(4, (byte) 1)), "ELF class 1 is not supported");
        assertRejected(patched(b -> b.putShort(16, (short) 2)), "not a relocatable object (e_type 2)");
    }

    @Test
    void truncatedFiles() throws Exception {
        assertRejected(Arrays.copyOf(good, 40), "truncated: 40 bytes");
        assertRejected(Arrays.copyOf(good, good.length - 10), "section header table of");
        assertRejected(Arrays.copyOf(good, good.length / 2), "runs past the end of the file");
    }

    @Test
    void offsetsAndCountsPastTheEnd() throws Exception {
        assertRejected(patched(b -> b.putLong(sectionHeader(b, 13) + 24, 1L << 40)), "section 13 at offset 0x10000000000");
        assertRejected(patched(b -> b.putShort(60, (short) 0x7000)), "section header table of 28672 entries");
        assertRejected(patched(b -> b.putShort(62, (short) 200)), "e_shstrndx 200 is out of range");
        assertRejected(patched(b -> b.putInt(sectionHeader(b, 5) + 44, 999)), "target (sh_info) of .rela.initcall5.init is 999, out of range");
    }

    @Test
    void stringIndexOutOfRange() throws Exception {
        assertRejected(patched(b -> {
            int symtab = sectionOfType(b, Elf.SHT_SYMTAB);
            int symOff = (int) b.getLong(sectionHeader(b, symtab) + 24);
            b.putInt(symOff + 24 * 3, 0x7fffff);
        }), "name of symbol 3: string index 8388607 is out of range");
        assertRejected(patched(b -> b.putInt(sectionHeader(b, 7), 0x123456)), "section 7 name: string index 1193046 is out of range");
    }

    @Test
    void relocationToMissingSymbol() throws Exception {
        assertRejected(patched(b -> {
            int rela = (int) b.getLong(sectionHeader(b, 14) + 24);
            b.putLong(rela + 8, (5000L << 32) | 2);
        }), "relocation 0 in .rela.text.cmdline_proc_show refers to missing symbol 5000");
    }

    @Test
    void randomCorruptionNeverEscapesAsAnotherException() {
        // Whatever bytes of the header, section table or symbol table are damaged, the reader either
        // parses the file or names a format fault; and whatever it parses, the writer can write.
        Random rnd = new Random(42);
        ByteBuffer g = ByteBuffer.wrap(good).order(ByteOrder.LITTLE_ENDIAN);
        int shoff = (int) g.getLong(40);
        int symtabOff = (int) g.getLong(sectionHeader(g, sectionOfType(g, Elf.SHT_SYMTAB)) + 24);
        int[] regions = {0, shoff, symtabOff};
        int formatErrors = 0;
        for (int i = 0; i < 3000; i++) {
            byte[] bad = good.clone();
            int base = regions[i % regions.length];
            for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                int at = Math.min(bad.length - 1, base + rnd.nextInt(i % 3 == 0 ? 64 : 2048));
                bad[at] = (byte) rnd.nextInt(256);
            }
            try {
                ElfWriter.toBytes(ElfReader.parse(bad));
            } catch (ElfFormatException e) {
                formatErrors++;
                assertThat(e.getMessage()).isNotBlank();
            }
        }
        assertThat(formatErrors).as("corruptions detected").isGreaterThan(100);
    }
}
