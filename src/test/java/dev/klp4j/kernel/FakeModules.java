package dev.klp4j.kernel;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfHeader;
import dev.klp4j.elf.ElfWriter;
import dev.klp4j.elf.Section;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Writes small relocatable ELF files with just a .modinfo, standing in for built .ko files. */
public final class FakeModules {
    private FakeModules() {}

    public static Path livepatch(Path dir, String name, String release) throws IOException {
        return module(dir, name, release, true);
    }

    public static Path module(Path dir, String name, String release, boolean livepatch) throws IOException {
        List<String> info = new ArrayList<>();
        if (livepatch) info.add("livepatch=Y");
        info.add("license=GPL");
        info.add("name=" + name);
        if (release != null) info.add("vermagic=" + release + " SMP preempt mod_unload modversions ");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (String s : info) {
            data.writeBytes(s.getBytes(StandardCharsets.UTF_8));
            data.write(0);
        }
        List<Section> sections = new ArrayList<>();
        sections.add(new Section(".modinfo", Elf.SHT_PROGBITS, Elf.SHF_ALLOC, 1, 0, data.toByteArray()));
        ElfFile elf = new ElfFile(ElfHeader.relocatable(ByteOrder.LITTLE_ENDIAN, 62), sections, new ArrayList<>());
        Path out = dir.resolve(name.replace('_', '-') + ".ko");
        ElfWriter.write(elf, out);
        return out;
    }
}
