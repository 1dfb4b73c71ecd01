package dev.klp4j.elf;

import java.util.Objects;

/**
 * A symbol-table entry. {@link #section()} is set for symbols defined in a section of the file;
 * otherwise {@link #shndx()} holds the special index (SHN_UNDEF, SHN_ABS, SHN_COMMON,
 * SHN_LIVEPATCH, ...). Extended section numbering is hidden: the writer emits SHN_XINDEX and
 * .symtab_shndx entries when a section's index needs them.
 */
public final class Symbol {
    private String name;
    private int bind;
    private int type;
    private int other;
    private Section section;
    private int shndx;
    private long value;
    private long size;

    int nameOffsetHint = -1;

    public Symbol(String name, int bind, int type, int other, Section section, int shndx, long value, long size) {
        this.name = Objects.requireNonNull(name);
        this.bind = bind;
        this.type = type;
        this.other = other;
        this.section = section;
        this.shndx = section != null ? 0 : shndx;
        this.value = value;
        this.size = size;
    }

    /** A symbol defined in {@code section}. */
    public static Symbol defined(String name, int bind, int type, Section section, long value, long size) {
        return new Symbol(name, bind, type, Elf.STV_DEFAULT, section, 0, value, size);
    }

    /** An undefined global reference. */
    public static Symbol undefined(String name, int type) {
        return new Symbol(name, Elf.STB_GLOBAL, type, Elf.STV_DEFAULT, null, Elf.SHN_UNDEF, 0, 0);
    }

    /** The STT_SECTION symbol of {@code section}. */
    public static Symbol forSection(Section section) {
        return new Symbol("", Elf.STB_LOCAL, Elf.STT_SECTION, Elf.STV_DEFAULT, section, 0, 0, 0);
    }

    public Symbol copy() {
        Symbol s = new Symbol(name, bind, type, other, section, shndx, value, size);
        s.nameOffsetHint = nameOffsetHint;
        return s;
    }

    public String name() { return name; }
    public int bind() { return bind; }
    public int type() { return type; }
    /** st_other; the low two bits are the visibility. */
    public int other() { return other; }
    public int visibility() { return other & 3; }
    public Section section() { return section; }
    /** The special st_shndx when {@link #section()} is null; 0 otherwise. */
    public int shndx() { return shndx; }
    public long value() { return value; }
    public long size() { return size; }

    public boolean isLocal() { return bind == Elf.STB_LOCAL; }
    public boolean isFunction() { return type == Elf.STT_FUNC; }
    public boolean isObject() { return type == Elf.STT_OBJECT; }
    public boolean isSectionSymbol() { return type == Elf.STT_SECTION; }
    public boolean isFileSymbol() { return type == Elf.STT_FILE; }
    public boolean isUndefined() { return section == null && shndx == Elf.SHN_UNDEF; }
    public boolean isLivepatch() { return section == null && shndx == Elf.SHN_LIVEPATCH; }

    /** The name to show: a section symbol has an empty name and stands for its section. */
    public String displayName() {
        return type == Elf.STT_SECTION && name.isEmpty() && section != null ? section.name() : name;
    }

    public Symbol name(String n) { this.name = Objects.requireNonNull(n); nameOffsetHint = -1; return this; }
    public Symbol bind(int b) { this.bind = b; return this; }
    public Symbol type(int t) { this.type = t; return this; }
    public Symbol other(int o) { this.other = o; return this; }
    public Symbol section(Section s) { this.section = s; if (s != null) this.shndx = 0; return this; }
    public Symbol shndx(int idx) { this.section = null; this.shndx = idx; return this; }
    public Symbol value(long v) { this.value = v; return this; }
    public Symbol size(long s) { this.size = s; return this; }

    @Override
    public String toString() {
        return displayName();
    }
}
