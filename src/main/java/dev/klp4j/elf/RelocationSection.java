package dev.klp4j.elf;

import java.util.ArrayList;
import java.util.List;

/** A SHT_RELA or SHT_REL section: its relocations, resolved to symbols, and the section they patch. */
public final class RelocationSection extends Section {
    private Section target;
    private final List<Relocation> relocations;

    public RelocationSection(String name, boolean rela, long flags, Section target, List<Relocation> relocations) {
        super(name, rela ? Elf.SHT_RELA : Elf.SHT_REL, flags, 8, rela ? Elf.RELA_SIZE : Elf.REL_SIZE, null);
        this.target = target;
        this.relocations = new ArrayList<>(relocations);
    }

    public boolean isRela() { return type() == Elf.SHT_RELA; }

    /** The section these relocations apply to (sh_info); null when sh_info was 0. */
    public Section target() { return target; }
    public RelocationSection target(Section target) { this.target = target; return this; }

    /** The relocations in file order; a mutable list owned by this section. */
    public List<Relocation> relocations() { return relocations; }

    @Override
    public long size() {
        return (long) relocations.size() * entsize();
    }
}
