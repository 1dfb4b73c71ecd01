package dev.klp4j.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serializes an {@link ElfFile}. Symbol and string tables, relocation entries, group members and
 * all section indices are derived from the model; the model itself is not changed.
 */
public final class ElfWriter {
    private ElfWriter() {}

    /** Writes atomically: a reader of {@code path} never sees a half-written object. */
    public static void write(ElfFile file, Path path) throws IOException {
        byte[] bytes = toBytes(file);
        Path dir = path.toAbsolutePath().getParent();
        // Not createTempFile: its 0600 would stay on the module; a new file gets the user's umask.
        Path tmp = dir.resolve("." + path.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            Files.write(tmp, bytes, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    public static byte[] toBytes(ElfFile file) {
        List<Section> sections = new ArrayList<>(file.sections());
        Section symtab = find(sections, Elf.SHT_SYMTAB);
        Section shstrtab = null;
        for (Section s : sections) if (s.type() == Elf.SHT_STRTAB && s.name().equals(".shstrtab")) shstrtab = s;
        if (symtab == null && !file.symbols().isEmpty()) {
            symtab = new Section(".symtab", Elf.SHT_SYMTAB, 0, 8, Elf.SYM_SIZE, null);
            sections.add(symtab);
        }
        Section strtab = symtab == null ? null : symtab.link();
        if (symtab != null && strtab == null) {
            strtab = new Section(".strtab", Elf.SHT_STRTAB, 0, 1, 0, null);
            sections.add(strtab);
        }
        if (shstrtab == null) {
            shstrtab = new Section(".shstrtab", Elf.SHT_STRTAB, 0, 1, 0, null);
            sections.add(shstrtab);
        }
        Section shndxTable = find(sections, Elf.SHT_SYMTAB_SHNDX);
        if (shndxTable == null && symtab != null && sections.size() + 2 >= Elf.SHN_LORESERVE) {
            shndxTable = new Section(".symtab_shndx", Elf.SHT_SYMTAB_SHNDX, 0, 4, 4, null);
            sections.add(sections.indexOf(symtab) + 1, shndxTable);
        }

        Map<Section, Integer> secIndex = new IdentityHashMap<>();
        for (int i = 0; i < sections.size(); i++) secIndex.put(sections.get(i), i + 1);

        // Locals must come first: sh_info of .symtab is the index of the first non-local symbol.
        List<Symbol> symbols = new ArrayList<>(file.symbols().size());
        for (Symbol s : file.symbols()) if (s.isLocal()) symbols.add(s);
        int firstGlobal = symbols.size() + 1;
        for (Symbol s : file.symbols()) if (!s.isLocal()) symbols.add(s);
        Map<Symbol, Integer> symIndex = new IdentityHashMap<>();
        for (int i = 0; i < symbols.size(); i++) {
            if (symIndex.put(symbols.get(i), i + 1) != null) {
                throw new IllegalArgumentException("symbol " + symbols.get(i) + " appears twice in the symbol table");
            }
        }

        Map<Section, byte[]> content = new IdentityHashMap<>();
        Map<Section, Integer> info = new IdentityHashMap<>();
        Map<Section, Integer> link = new IdentityHashMap<>();
        ByteBufferFactory bb = new ByteBufferFactory(file.header());
        SectionNames secNames;

        if (symtab != null) {
            boolean shared = strtab == shstrtab;
            StringTableBuilder names = new StringTableBuilder(strtab.data());
            ByteBuffer sym = bb.allocate((symbols.size() + 1) * Elf.SYM_SIZE);
            ByteBuffer xs = shndxTable == null ? null : bb.allocate((symbols.size() + 1) * 4);
            sym.position(Elf.SYM_SIZE);
            if (xs != null) xs.position(4);
            for (Symbol s : symbols) {
                int shndx = s.shndx();
                int ext = 0;
                if (s.section() != null) {
                    Integer idx = secIndex.get(s.section());
                    if (idx == null) throw new IllegalArgumentException("symbol " + s + " is defined in section " + s.section() + ", which is not in the file");
                    if (idx >= Elf.SHN_LORESERVE) {
                        if (xs == null) throw new IllegalStateException("section index " + idx + " needs .symtab_shndx");
                        shndx = Elf.SHN_XINDEX;
                        ext = idx;
                    } else {
                        shndx = idx;
                    }
                }
                sym.putInt(names.add(s.name(), s.nameOffsetHint));
                sym.put((byte) ((s.bind() << 4) | (s.type() & 0xf)));
                sym.put((byte) s.other());
                sym.putShort((short) shndx);
                sym.putLong(s.value());
                sym.putLong(s.size());
                if (xs != null) xs.putInt(ext);
            }
            content.put(symtab, sym.array());
            info.put(symtab, firstGlobal);
            link.put(symtab, secIndex.get(strtab));
            if (xs != null) {
                content.put(shndxTable, xs.array());
                link.put(shndxTable, secIndex.get(symtab));
            }
            if (shared) {
                secNames = sectionNames(sections, names);
                content.put(strtab, secNames.table());
            } else {
                content.put(strtab, names.toBytes());
                secNames = sectionNames(sections, new StringTableBuilder(shstrtab.data()));
                content.put(shstrtab, secNames.table());
            }
        } else {
            secNames = sectionNames(sections, new StringTableBuilder(shstrtab.data()));
            content.put(shstrtab, secNames.table());
        }

        Integer symtabIndex = symtab == null ? null : secIndex.get(symtab);
        for (Section s : sections) {
            if (s instanceof RelocationSection r) {
                content.put(r, relocations(r, symIndex, bb));
                info.put(r, r.target() == null ? 0 : indexOf(secIndex, r.target(), r));
                if (r.link() == null && symtabIndex != null) link.put(r, symtabIndex);
            } else if (s instanceof GroupSection g) {
                ByteBuffer b = bb.allocate(4 * (g.members().size() + 1));
                b.putInt(g.groupFlags());
                for (Section m : g.members()) b.putInt(indexOf(secIndex, m, g));
                content.put(g, b.array());
                Integer sig = symIndex.get(g.signature());
                if (sig == null) throw new IllegalArgumentException("signature of group " + g + " is not in the symbol table");
                info.put(g, sig);
                if (g.link() == null && symtabIndex != null) link.put(g, symtabIndex);
            }
        }

        // Layout: header, section contents in section order, then the section header table.
        int count = sections.size() + 1;
        long[] offsets = new long[count];
        long[] sizes = new long[count];
        long pos = Elf.EHDR_SIZE;
        for (int i = 1; i < count; i++) {
            Section s = sections.get(i - 1);
            byte[] data = content.getOrDefault(s, s.data());
            // A relocatable object needs its contents aligned in the file only as far as a page.
            long align = Math.min(Math.max(1, s.addralign()), 4096);
            pos = (pos + align - 1) / align * align;
            offsets[i] = pos;
            if (s.type() == Elf.SHT_NOBITS) {
                sizes[i] = s.size();
            } else {
                sizes[i] = data.length;
                pos += data.length;
            }
        }
        long shoff = (pos + 7) & ~7L;
        long total = shoff + (long) count * Elf.SHDR_SIZE;
        if (total > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("object too large: " + total + " bytes");

        ByteBuffer out = bb.allocate((int) total);
        int shstrIndex = secIndex.get(shstrtab);
        writeHeader(out, file.header(), shoff, count, shstrIndex);
        for (int i = 1; i < count; i++) {
            Section s = sections.get(i - 1);
            if (s.type() == Elf.SHT_NOBITS) continue;
            byte[] data = content.getOrDefault(s, s.data());
            out.put((int) offsets[i], data);
        }
        int o = (int) shoff;
        // Section 0 carries the real counts when they overflow the 16-bit header fields.
        out.putLong(o + 32, count >= Elf.SHN_LORESERVE ? count : 0);
        out.putInt(o + 40, shstrIndex >= Elf.SHN_LORESERVE ? shstrIndex : 0);
        for (int i = 1; i < count; i++) {
            Section s = sections.get(i - 1);
            int h = o + i * Elf.SHDR_SIZE;
            out.putInt(h, secNames.offsets().get(s));
            out.putInt(h + 4, s.type());
            out.putLong(h + 8, s.flags());
            out.putLong(h + 16, s.addr());
            out.putLong(h + 24, offsets[i]);
            out.putLong(h + 32, sizes[i]);
            Integer l = link.get(s);
            out.putInt(h + 40, l != null ? l : s.link() == null ? 0 : indexOf(secIndex, s.link(), s));
            Integer inf = info.get(s);
            out.putInt(h + 44, inf != null ? inf : s.info());
            out.putLong(h + 48, s.addralign());
            out.putLong(h + 56, s.entsize());
        }
        return out.array();
    }

    /** The section-name table and where each section's name landed in it. */
    private record SectionNames(byte[] table, Map<Section, Integer> offsets) {}

    private static SectionNames sectionNames(List<Section> sections, StringTableBuilder names) {
        Map<Section, Integer> offs = new IdentityHashMap<>();
        for (Section s : sections) offs.put(s, names.add(s.name(), s.nameOffsetHint));
        return new SectionNames(names.toBytes(), offs);
    }

    private static byte[] relocations(RelocationSection r, Map<Symbol, Integer> symIndex, ByteBufferFactory bb) {
        int entsize = r.isRela() ? Elf.RELA_SIZE : Elf.REL_SIZE;
        ByteBuffer b = bb.allocate(r.relocations().size() * entsize);
        for (Relocation rel : r.relocations()) {
            long sym = 0;
            if (rel.symbol() != null) {
                Integer idx = symIndex.get(rel.symbol());
                if (idx == null) {
                    throw new IllegalArgumentException("relocation at 0x" + Long.toHexString(rel.offset()) + " in " + r
                            + " refers to symbol " + rel.symbol() + ", which is not in the symbol table");
                }
                sym = idx;
            }
            b.putLong(rel.offset());
            b.putLong((sym << 32) | (rel.type() & 0xffffffffL));
            if (r.isRela()) b.putLong(rel.addend());
        }
        return b.array();
    }

    private static void writeHeader(ByteBuffer out, ElfHeader h, long shoff, int count, int shstrIndex) {
        out.put(0, (byte) 0x7f).put(1, (byte) 'E').put(2, (byte) 'L').put(3, (byte) 'F');
        out.put(4, (byte) Elf.ELFCLASS64);
        out.put(5, (byte) (h.isLittleEndian() ? Elf.ELFDATA2LSB : Elf.ELFDATA2MSB));
        out.put(6, (byte) Elf.EV_CURRENT);
        out.put(7, (byte) h.osAbi());
        out.put(8, (byte) h.abiVersion());
        out.putShort(16, (short) h.type());
        out.putShort(18, (short) h.machine());
        out.putInt(20, Elf.EV_CURRENT);
        out.putLong(24, h.entry());
        out.putLong(32, 0);
        out.putLong(40, shoff);
        out.putInt(48, h.flags());
        out.putShort(52, (short) Elf.EHDR_SIZE);
        out.putShort(54, (short) 0);
        out.putShort(56, (short) 0);
        out.putShort(58, (short) Elf.SHDR_SIZE);
        out.putShort(60, (short) (count >= Elf.SHN_LORESERVE ? 0 : count));
        out.putShort(62, (short) (shstrIndex >= Elf.SHN_LORESERVE ? Elf.SHN_XINDEX : shstrIndex));
    }

    private static int indexOf(Map<Section, Integer> secIndex, Section s, Section from) {
        Integer i = secIndex.get(s);
        if (i == null) throw new IllegalArgumentException("section " + from + " refers to section " + s + ", which is not in the file");
        return i;
    }

    private static Section find(List<Section> sections, int type) {
        for (Section s : sections) if (s.type() == type) return s;
        return null;
    }

    private record ByteBufferFactory(ElfHeader header) {
        ByteBuffer allocate(int n) {
            return ByteBuffer.allocate(n).order(header.order());
        }
    }
}
