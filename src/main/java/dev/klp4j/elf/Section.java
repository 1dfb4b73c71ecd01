package dev.klp4j.elf;

import java.util.Objects;

/**
 * One section of a relocatable object. Sections are identified by object, not by index: links
 * between sections (sh_link, a relocation section's target) are references, and the writer turns
 * them back into indices. Symbol tables, string tables, relocation entries and group members are
 * regenerated on write, so their {@link #data()} is only meaningful for other sections.
 */
public class Section {
    private String name;
    private final int type;
    private long flags;
    private long addr;
    private long addralign;
    private long entsize;
    private byte[] data;
    private long nobitsSize;
    private Section link;
    private int info;

    /** Offset of the name in the shstrtab this section was read from: lets the writer reuse it. */
    int nameOffsetHint = -1;

    public Section(String name, int type, long flags, long addralign, long entsize, byte[] data) {
        this.name = Objects.requireNonNull(name);
        this.type = type;
        this.flags = flags;
        this.addralign = addralign;
        this.entsize = entsize;
        this.data = data == null ? new byte[0] : data;
    }

    /** A SHT_NOBITS section (.bss): a size and no bytes in the file. */
    public static Section nobits(String name, long flags, long addralign, long size) {
        Section s = new Section(name, Elf.SHT_NOBITS, flags, addralign, 0, new byte[0]);
        s.nobitsSize = size;
        return s;
    }

    public String name() { return name; }
    public int type() { return type; }
    public long flags() { return flags; }
    public long addr() { return addr; }
    public long addralign() { return addralign; }
    public long entsize() { return entsize; }
    public Section link() { return link; }
    /** Raw sh_info for sections whose sh_info has no meaning the model knows about. */
    public int info() { return info; }

    /** The section's bytes in the file; empty for SHT_NOBITS. Not a copy: do not modify. */
    public byte[] data() { return data; }

    /** sh_size: the memory size for SHT_NOBITS, the byte count otherwise. */
    public long size() {
        return type == Elf.SHT_NOBITS ? nobitsSize : data.length;
    }

    public boolean hasFlag(long flag) { return (flags & flag) != 0; }
    public boolean isAlloc() { return hasFlag(Elf.SHF_ALLOC); }
    public boolean isText() { return hasFlag(Elf.SHF_EXECINSTR); }
    public boolean isRelocation() { return type == Elf.SHT_RELA || type == Elf.SHT_REL; }

    public Section name(String name) { this.name = Objects.requireNonNull(name); nameOffsetHint = -1; return this; }
    public Section flags(long flags) { this.flags = flags; return this; }
    public Section addr(long addr) { this.addr = addr; return this; }
    public Section addralign(long addralign) { this.addralign = addralign; return this; }
    public Section entsize(long entsize) { this.entsize = entsize; return this; }
    public Section link(Section link) { this.link = link; return this; }
    public Section info(int info) { this.info = info; return this; }
    public Section data(byte[] data) {
        if (type == Elf.SHT_NOBITS) throw new IllegalStateException("SHT_NOBITS section " + name + " has no data");
        this.data = Objects.requireNonNull(data);
        return this;
    }
    public Section nobitsSize(long size) { this.nobitsSize = size; return this; }

    @Override
    public String toString() {
        return name;
    }
}
