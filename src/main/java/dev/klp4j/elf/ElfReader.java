package dev.klp4j.elf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Parses an ELF64 relocatable object into an {@link ElfFile}. Every offset, count and index is
 * checked against the file before use, so a damaged file gives an {@link ElfFormatException}
 * naming the fault rather than an index error.
 */
public final class ElfReader {
    private final byte[] bytes;
    private final ByteBuffer buf;

    private long[] shName, shType, shFlags, shAddr, shOffset, shSize, shLink, shInfo, shAlign, shEntsize;
    private Section[] sections;
    private Symbol[] symbols; // index 0 is the null symbol (null)

    private ElfReader(byte[] bytes, ByteOrder order) {
        this.bytes = bytes;
        this.buf = ByteBuffer.wrap(bytes).order(order);
    }

    public static ElfFile read(Path path) throws IOException, ElfFormatException {
        return parse(Files.readAllBytes(path));
    }

    public static ElfFile parse(byte[] bytes) throws ElfFormatException {
        if (bytes.length < Elf.EI_NIDENT || bytes[0] != 0x7f || bytes[1] != 'E' || bytes[2] != 'L' || bytes[3] != 'F') {
            throw new ElfFormatException("not an ELF file (bad magic)");
        }
        if (bytes[4] != Elf.ELFCLASS64) {
            throw new ElfFormatException("ELF class " + bytes[4] + " is not supported: only ELF64 objects are");
        }
        ByteOrder order;
        if (bytes[5] == Elf.ELFDATA2LSB) order = ByteOrder.LITTLE_ENDIAN;
        else if (bytes[5] == Elf.ELFDATA2MSB) order = ByteOrder.BIG_ENDIAN;
        else throw new ElfFormatException("unknown ELF data encoding " + bytes[5]);
        if (bytes.length < Elf.EHDR_SIZE) {
            throw new ElfFormatException("truncated: " + bytes.length + " bytes, shorter than the 64-byte ELF header");
        }
        return new ElfReader(bytes, order).parseFile();
    }

    private ElfFile parseFile() throws ElfFormatException {
        int type = u16(16);
        if (type != Elf.ET_REL) {
            throw new ElfFormatException("not a relocatable object (e_type " + type + "); klp4j reads .o and .ko files");
        }
        int machine = u16(18);
        long entry = buf.getLong(24);
        long shoff = buf.getLong(40);
        int flags = buf.getInt(48);
        int shentsize = u16(58);
        long shnum = u16(60);
        long shstrndx = u16(62);
        ElfHeader header = new ElfHeader(buf.order(), bytes[7] & 0xff, bytes[8] & 0xff, type, machine, entry, flags);

        if (shoff == 0) throw new ElfFormatException("no section header table (e_shoff is 0)");
        if (shentsize != Elf.SHDR_SIZE) throw new ElfFormatException("e_shentsize is " + shentsize + ", expected 64");
        checkRange(shoff, Elf.SHDR_SIZE, "section header 0");
        // Extended numbering: counts that do not fit 16 bits live in section header 0.
        if (shnum == 0) shnum = buf.getLong((int) shoff + 32);
        if (shstrndx == Elf.SHN_XINDEX) shstrndx = Integer.toUnsignedLong(buf.getInt((int) shoff + 40));
        if (shnum == 0) throw new ElfFormatException("no sections (e_shnum is 0)");
        if (shnum > (bytes.length - shoff) / Elf.SHDR_SIZE) {
            throw new ElfFormatException("truncated: section header table of " + shnum + " entries at offset 0x"
                    + Long.toHexString(shoff) + " runs past the end of the file (" + bytes.length + " bytes)");
        }
        int n = (int) shnum;
        readSectionHeaders(shoff, n);
        if (shstrndx >= n) throw new ElfFormatException("e_shstrndx " + shstrndx + " is out of range (" + n + " sections)");
        if (shstrndx != 0) checkSectionData((int) shstrndx, "section name table");

        sections = new Section[n];
        for (int i = 1; i < n; i++) {
            checkSectionData(i, "section " + i);
            String name = shstrndx == 0 ? "" : string((int) shstrndx, shName[i], "section " + i + " name");
            sections[i] = newSection(i, name);
        }
        for (int i = 1; i < n; i++) {
            if (shLink[i] != 0) sections[i].link(sectionAt(shLink[i], "sh_link of section " + i + " (" + sections[i].name() + ")"));
        }

        readSymbols(n);
        List<Symbol> symbolList = new ArrayList<>(Arrays.asList(symbols).subList(1, symbols.length));
        for (int i = 1; i < n; i++) {
            if (sections[i] instanceof RelocationSection r) readRelocations(i, r);
            else if (sections[i] instanceof GroupSection g) readGroup(i, g);
        }
        return new ElfFile(header, Arrays.asList(sections).subList(1, n), symbolList);
    }

    private void readSectionHeaders(long shoff, int n) {
        shName = new long[n]; shType = new long[n]; shFlags = new long[n]; shAddr = new long[n];
        shOffset = new long[n]; shSize = new long[n]; shLink = new long[n]; shInfo = new long[n];
        shAlign = new long[n]; shEntsize = new long[n];
        for (int i = 0; i < n; i++) {
            int o = (int) (shoff + (long) i * Elf.SHDR_SIZE);
            shName[i] = u32(o);
            shType[i] = u32(o + 4);
            shFlags[i] = buf.getLong(o + 8);
            shAddr[i] = buf.getLong(o + 16);
            shOffset[i] = buf.getLong(o + 24);
            shSize[i] = buf.getLong(o + 32);
            shLink[i] = u32(o + 40);
            shInfo[i] = u32(o + 44);
            shAlign[i] = buf.getLong(o + 48);
            shEntsize[i] = buf.getLong(o + 56);
        }
    }

    private Section newSection(int i, String name) {
        int type = (int) shType[i];
        Section s;
        switch (type) {
            case Elf.SHT_RELA, Elf.SHT_REL -> s = new RelocationSection(name, type == Elf.SHT_RELA, shFlags[i], null, List.of());
            case Elf.SHT_GROUP -> s = new GroupSection(name, shFlags[i], 0, null, List.of());
            case Elf.SHT_NOBITS -> s = Section.nobits(name, shFlags[i], shAlign[i], shSize[i]);
            default -> {
                s = new Section(name, type, shFlags[i], shAlign[i], shEntsize[i], slice(shOffset[i], shSize[i]));
                s.info((int) shInfo[i]);
            }
        }
        s.addr(shAddr[i]).addralign(shAlign[i]).entsize(shEntsize[i]);
        s.nameOffsetHint = (int) shName[i];
        return s;
    }

    private void readSymbols(int n) throws ElfFormatException {
        int symtab = -1, shndxTable = -1;
        for (int i = 1; i < n; i++) {
            if (shType[i] == Elf.SHT_SYMTAB) {
                if (symtab >= 0) throw new ElfFormatException("more than one symbol table (sections " + symtab + " and " + i + ")");
                symtab = i;
            }
        }
        if (symtab < 0) {
            symbols = new Symbol[1];
            return;
        }
        for (int i = 1; i < n; i++) if (shType[i] == Elf.SHT_SYMTAB_SHNDX && shLink[i] == symtab) shndxTable = i;
        if (shEntsize[symtab] != Elf.SYM_SIZE) {
            throw new ElfFormatException("symbol table entry size is " + shEntsize[symtab] + ", expected 24");
        }
        int strtab = (int) shLink[symtab];
        if (strtab == 0 || shType[strtab] != Elf.SHT_STRTAB) {
            throw new ElfFormatException("symbol table's sh_link " + strtab + " is not a string table");
        }
        int count = (int) (shSize[symtab] / Elf.SYM_SIZE);
        if (shndxTable >= 0 && shSize[shndxTable] < 4L * count) {
            throw new ElfFormatException(".symtab_shndx holds " + shSize[shndxTable] / 4 + " entries for " + count + " symbols");
        }
        symbols = new Symbol[count];
        int base = (int) shOffset[symtab];
        for (int k = 1; k < count; k++) {
            int o = base + k * Elf.SYM_SIZE;
            long nameOff = u32(o);
            int info = bytes[o + 4] & 0xff;
            int other = bytes[o + 5] & 0xff;
            int shndx = u16(o + 6);
            long value = buf.getLong(o + 8);
            long size = buf.getLong(o + 16);
            String name = string(strtab, nameOff, "name of symbol " + k);
            Section sec = null;
            if (shndx == Elf.SHN_XINDEX) {
                if (shndxTable < 0) throw new ElfFormatException("symbol " + k + " (" + name + ") uses SHN_XINDEX but there is no .symtab_shndx");
                long real = u32((int) shOffset[shndxTable] + 4 * k);
                sec = sectionAt(real, "extended section index of symbol " + k + " (" + name + ")");
                shndx = 0;
            } else if (shndx != Elf.SHN_UNDEF && shndx < Elf.SHN_LORESERVE) {
                sec = sectionAt(shndx, "section index of symbol " + k + " (" + name + ")");
                shndx = 0;
            }
            Symbol s = new Symbol(name, info >> 4, info & 0xf, other, sec, shndx, value, size);
            s.nameOffsetHint = (int) nameOff;
            symbols[k] = s;
        }
    }

    private void readRelocations(int i, RelocationSection r) throws ElfFormatException {
        int entsize = r.isRela() ? Elf.RELA_SIZE : Elf.REL_SIZE;
        if (shEntsize[i] != entsize) {
            throw new ElfFormatException(r.name() + ": relocation entry size is " + shEntsize[i] + ", expected " + entsize);
        }
        if (shInfo[i] != 0) r.target(sectionAt(shInfo[i], "target (sh_info) of " + r.name()));
        int count = (int) (shSize[i] / entsize);
        int base = (int) shOffset[i];
        List<Relocation> out = r.relocations();
        for (int k = 0; k < count; k++) {
            int o = base + k * entsize;
            long offset = buf.getLong(o);
            long info = buf.getLong(o + 8);
            long addend = r.isRela() ? buf.getLong(o + 16) : 0;
            long symIndex = info >>> 32;
            if (symIndex >= symbols.length) {
                throw new ElfFormatException("relocation " + k + " in " + r.name() + " refers to missing symbol " + symIndex
                        + " (the symbol table has " + symbols.length + " entries)");
            }
            out.add(new Relocation(offset, (int) info, symbols[(int) symIndex], addend));
        }
    }

    private void readGroup(int i, GroupSection g) throws ElfFormatException {
        if (shSize[i] < 4 || shSize[i] % 4 != 0) throw new ElfFormatException("group section " + g.name() + " has size " + shSize[i]);
        int base = (int) shOffset[i];
        g.groupFlags(buf.getInt(base));
        for (int k = 1; k < shSize[i] / 4; k++) {
            g.members().add(sectionAt(u32(base + 4 * k), "member " + k + " of group " + g.name()));
        }
        if (shInfo[i] >= symbols.length || shInfo[i] == 0) {
            throw new ElfFormatException("group " + g.name() + " signature symbol " + shInfo[i] + " is out of range");
        }
        g.signature(symbols[(int) shInfo[i]]);
    }

    private Section sectionAt(long index, String what) throws ElfFormatException {
        if (index <= 0 || index >= sections.length || sections[(int) index] == null) {
            throw new ElfFormatException(what + " is " + index + ", out of range (" + sections.length + " sections)");
        }
        return sections[(int) index];
    }

    private void checkSectionData(int i, String what) throws ElfFormatException {
        if (shAlign[i] != 0 && Long.bitCount(shAlign[i]) != 1) {
            throw new ElfFormatException(what + ": sh_addralign " + shAlign[i] + " is not a power of two");
        }
        if (shType[i] == Elf.SHT_NOBITS || shType[i] == Elf.SHT_NULL) return;
        checkRange(shOffset[i], shSize[i], what);
    }

    private void checkRange(long offset, long size, String what) throws ElfFormatException {
        if (offset < 0 || size < 0 || offset > bytes.length || size > bytes.length - offset) {
            throw new ElfFormatException("truncated: " + what + " at offset 0x" + Long.toHexString(offset) + " size 0x"
                    + Long.toHexString(size) + " runs past the end of the file (" + bytes.length + " bytes)");
        }
    }

    private String string(int strtab, long offset, String what) throws ElfFormatException {
        long start = shOffset[strtab];
        long size = shSize[strtab];
        if (offset >= size) {
            throw new ElfFormatException(what + ": string index " + offset + " is out of range of its string table (size " + size + ")");
        }
        int from = (int) (start + offset);
        int end = (int) (start + size);
        int p = from;
        while (p < end && bytes[p] != 0) p++;
        if (p == end) throw new ElfFormatException(what + ": string at index " + offset + " is not NUL-terminated");
        return new String(bytes, from, p - from, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private byte[] slice(long offset, long size) {
        return Arrays.copyOfRange(bytes, (int) offset, (int) (offset + size));
    }

    private int u16(int o) { return buf.getShort(o) & 0xffff; }
    private long u32(int o) { return Integer.toUnsignedLong(buf.getInt(o)); }
}
