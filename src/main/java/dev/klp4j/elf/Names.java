package dev.klp4j.elf;

import java.util.Map;

/** Human-readable names for ELF numbers, as readelf spells them. */
public final class Names {
    private Names() {}

    private static final Map<Integer, String> SECTION_TYPES = Map.ofEntries(
            Map.entry(Elf.SHT_NULL, "NULL"), Map.entry(Elf.SHT_PROGBITS, "PROGBITS"), Map.entry(Elf.SHT_SYMTAB, "SYMTAB"),
            Map.entry(Elf.SHT_STRTAB, "STRTAB"), Map.entry(Elf.SHT_RELA, "RELA"), Map.entry(Elf.SHT_HASH, "HASH"),
            Map.entry(Elf.SHT_DYNAMIC, "DYNAMIC"), Map.entry(Elf.SHT_NOTE, "NOTE"), Map.entry(Elf.SHT_NOBITS, "NOBITS"),
            Map.entry(Elf.SHT_REL, "REL"), Map.entry(Elf.SHT_DYNSYM, "DYNSYM"), Map.entry(Elf.SHT_INIT_ARRAY, "INIT_ARRAY"),
            Map.entry(Elf.SHT_FINI_ARRAY, "FINI_ARRAY"), Map.entry(Elf.SHT_PREINIT_ARRAY, "PREINIT_ARRAY"),
            Map.entry(Elf.SHT_GROUP, "GROUP"), Map.entry(Elf.SHT_SYMTAB_SHNDX, "SYMTAB SECTION INDICES"));

    private static final String[] SYMBOL_TYPES = {"NOTYPE", "OBJECT", "FUNC", "SECTION", "FILE", "COMMON", "TLS"};
    private static final String[] BINDINGS = {"LOCAL", "GLOBAL", "WEAK"};
    private static final String[] VISIBILITIES = {"DEFAULT", "INTERNAL", "HIDDEN", "PROTECTED"};

    private static final String[] X86_64_RELOCS = {
        "R_X86_64_NONE", "R_X86_64_64", "R_X86_64_PC32", "R_X86_64_GOT32", "R_X86_64_PLT32", "R_X86_64_COPY",
        "R_X86_64_GLOB_DAT", "R_X86_64_JUMP_SLOT", "R_X86_64_RELATIVE", "R_X86_64_GOTPCREL", "R_X86_64_32",
        "R_X86_64_32S", "R_X86_64_16", "R_X86_64_PC16", "R_X86_64_8", "R_X86_64_PC8", "R_X86_64_DTPMOD64",
        "R_X86_64_DTPOFF64", "R_X86_64_TPOFF64", "R_X86_64_TLSGD", "R_X86_64_TLSLD", "R_X86_64_DTPOFF32",
        "R_X86_64_GOTTPOFF", "R_X86_64_TPOFF32", "R_X86_64_PC64", "R_X86_64_GOTOFF64", "R_X86_64_GOTPC32",
    };

    public static String sectionType(int type) {
        return SECTION_TYPES.getOrDefault(type, String.format("0x%x", type));
    }

    public static String symbolType(int type) {
        return type < SYMBOL_TYPES.length ? SYMBOL_TYPES[type] : String.valueOf(type);
    }

    public static String binding(int bind) {
        return bind < BINDINGS.length ? BINDINGS[bind] : String.valueOf(bind);
    }

    public static String visibility(int vis) {
        return VISIBILITIES[vis & 3];
    }

    public static String relocationType(int machine, int type) {
        if (machine == Elf.EM_X86_64 && type >= 0 && type < X86_64_RELOCS.length) return X86_64_RELOCS[type];
        return "type " + type;
    }

    /** readelf's flag letters: W A X M S I L G T, plus the livepatch flag as 'K'. */
    public static String sectionFlags(long flags) {
        StringBuilder b = new StringBuilder();
        if ((flags & Elf.SHF_WRITE) != 0) b.append('W');
        if ((flags & Elf.SHF_ALLOC) != 0) b.append('A');
        if ((flags & Elf.SHF_EXECINSTR) != 0) b.append('X');
        if ((flags & Elf.SHF_MERGE) != 0) b.append('M');
        if ((flags & Elf.SHF_STRINGS) != 0) b.append('S');
        if ((flags & Elf.SHF_INFO_LINK) != 0) b.append('I');
        if ((flags & Elf.SHF_LINK_ORDER) != 0) b.append('L');
        if ((flags & Elf.SHF_GROUP) != 0) b.append('G');
        if ((flags & Elf.SHF_TLS) != 0) b.append('T');
        if ((flags & Elf.SHF_RELA_LIVEPATCH) != 0) b.append('K');
        return b.toString();
    }

    /** st_shndx as readelf shows it: UND, ABS, COM, LIVEPATCH or the section index. */
    public static String sectionIndex(Symbol s, Map<Section, Integer> indices) {
        if (s.section() != null) return String.valueOf(indices.get(s.section()));
        return switch (s.shndx()) {
            case Elf.SHN_UNDEF -> "UND";
            case Elf.SHN_ABS -> "ABS";
            case Elf.SHN_COMMON -> "COM";
            case Elf.SHN_LIVEPATCH -> "LIVEPATCH";
            default -> String.format("0x%x", s.shndx());
        };
    }
}
