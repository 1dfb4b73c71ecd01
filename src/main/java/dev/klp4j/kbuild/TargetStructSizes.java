package dev.klp4j.kbuild;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;

import dev.klp4j.base.Toolchain;
import dev.klp4j.diff.SpecialTable;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The special-section entry sizes of the target kernel (struct jump_entry, alt_instr, ...). They
 * change between kernel versions (6.1 has 16-byte jump entries and 12-byte alt_instr, older
 * kernels 24 and 13), and the differ splits those tables by them, so they are measured: a probe
 * file of sizeof()s is compiled once in the prepared tree with the kernel's own flags and read
 * back from the object. The result lives in the tree, so a rebuilt tree is probed again.
 */
public final class TargetStructSizes {
    static final String DIR = "klp4j-probe";

    /** The headers that declare the measured structs; one SIZE() line per measured table follows (see {@link #source}). */
    private static final String HEADERS = """
            /* klp4j: sizes of the special-section entries of this kernel, read back by klp4j build. */
            #include <linux/types.h>
            #include <linux/bug.h>
            #include <linux/jump_label.h>
            #include <linux/printk.h>
            #include <linux/static_call.h>
            #include <asm/alternative.h>
            #include <asm/extable.h>
            #ifdef CONFIG_UNWINDER_ORC
            #include <asm/orc_types.h>
            #endif
            #include <linux/version.h>
            /* 6.8 replaced paravirt patching (.parainstructions) by alternatives. */
            #if defined(CONFIG_PARAVIRT) && LINUX_VERSION_CODE < KERNEL_VERSION(6, 8, 0)
            #define KLP4J_PARAVIRT_SITES
            #include <asm/paravirt_types.h>
            #endif
            #define SIZE(name, type) const unsigned long klp4j_size_##name = sizeof(type)
            """;

    private TargetStructSizes() {}

    /** The probe: the headers, then sizeof() of each measured table's struct under its guard. */
    static String source() {
        StringBuilder c = new StringBuilder(HEADERS);
        for (SpecialTable t : SpecialTable.measured()) {
            SpecialTable.Size z = t.size();
            if (z.guard() != null) c.append("#ifdef ").append(z.guard()).append('\n');
            c.append("SIZE(").append(z.key()).append(", ").append(z.struct()).append(");\n");
            if (z.guard() != null) c.append("#endif\n");
        }
        return c.toString();
    }

    /** The sizes for the kernel whose prepared source tree is {@code tree}; probed once per tree. */
    public static StructSizes of(Path tree) {
        return of(tree, Toolchain.HOST);
    }

    /** As {@link #of(Path)}, compiling the probe through {@code tools}. */
    public static StructSizes of(Path tree, Toolchain tools) {
        Path dir = tree.resolve(DIR);
        Path saved = dir.resolve("sizes.properties");
        try {
            if (!Files.isRegularFile(saved)) {
                Properties measured = probe(tree, dir, tools);
                Path tmp = dir.resolve("sizes.properties.tmp");
                try (var w = Files.newBufferedWriter(tmp)) {
                    measured.store(w, "special-section entry sizes of this kernel (klp4j build)");
                }
                Files.move(tmp, saved, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            }
            Properties p = new Properties();
            try (var r = Files.newBufferedReader(saved)) {
                p.load(r);
            }
            StructSizes sizes = StructSizes.defaults();
            for (String name : p.stringPropertyNames()) sizes = sizes.with(name, Integer.parseInt(p.getProperty(name)));
            return sizes;
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot probe the kernel's struct sizes in " + dir + ": " + e.getMessage());
        }
    }

    private static Properties probe(Path tree, Path dir, Toolchain tools) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("Makefile"), "obj-y := sizes.o\n");
        Files.writeString(dir.resolve("sizes.c"), source());
        Toolchain.Result r = Exec.run(tools, tree, List.of("make", "-j1", "KCFLAGS=-fdata-sections", DIR + "/sizes.o"));
        if (!r.ok()) {
            throw new Failure(Failure.Kind.TOOL, "cannot compile the struct-size probe " + dir.resolve("sizes.c") + ": " + lastLine(r.output()));
        }
        ElfFile obj;
        try {
            obj = ElfReader.read(dir.resolve("sizes.o"));
        } catch (ElfFormatException e) {
            throw new Failure(Failure.Kind.TOOL, dir.resolve("sizes.o") + ": " + e.getMessage());
        }
        Properties out = new Properties();
        for (Symbol s : obj.symbols()) {
            if (!s.name().startsWith("klp4j_size_") || s.section() == null) continue;
            String name = s.name().substring("klp4j_size_".length());
            long size = ByteBuffer.wrap(s.section().data()).order(obj.header().order()).getLong((int) s.value());
            out.setProperty(name, Long.toString(size));
        }
        if (!out.containsKey(SpecialTable.EXCEPTION_TABLE.size().key())) throw new Failure(Failure.Kind.TOOL, "the struct-size probe measured nothing");
        return out;
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
