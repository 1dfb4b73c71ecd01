package dev.klp4j.elf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A relocatable ELF64 object: header, sections in file order (without the null section 0) and
 * symbols in symbol-table order (without the null symbol 0).
 *
 * <p>The lists are owned by the file and may be edited to build a new object; the reader hands
 * out a fresh model for each file, so nothing is shared between files unless a caller moves it.
 */
public final class ElfFile {
    private final ElfHeader header;
    private final List<Section> sections;
    private final List<Symbol> symbols;

    public ElfFile(ElfHeader header, List<Section> sections, List<Symbol> symbols) {
        this.header = header;
        this.sections = new ArrayList<>(sections);
        this.symbols = new ArrayList<>(symbols);
    }

    public ElfHeader header() { return header; }
    public List<Section> sections() { return sections; }
    public List<Symbol> symbols() { return symbols; }

    public Optional<Section> section(String name) {
        for (Section s : sections) if (s.name().equals(name)) return Optional.of(s);
        return Optional.empty();
    }

    /** All symbols with this name (static functions may share a name). */
    public List<Symbol> symbols(String name) {
        List<Symbol> out = new ArrayList<>();
        for (Symbol s : symbols) if (s.name().equals(name)) out.add(s);
        return out;
    }

    public Optional<Symbol> symbol(String name) {
        for (Symbol s : symbols) if (s.name().equals(name)) return Optional.of(s);
        return Optional.empty();
    }

    public List<RelocationSection> relocationSections() {
        List<RelocationSection> out = new ArrayList<>();
        for (Section s : sections) if (s instanceof RelocationSection r) out.add(r);
        return out;
    }

    /** Relocation sections keyed by the section they apply to. */
    public Map<Section, RelocationSection> relocationsByTarget() {
        Map<Section, RelocationSection> out = new IdentityHashMap<>();
        for (Section s : sections) if (s instanceof RelocationSection r && r.target() != null) out.put(r.target(), r);
        return out;
    }

    public Optional<RelocationSection> relocationsFor(Section target) {
        for (Section s : sections) if (s instanceof RelocationSection r && r.target() == target) return Optional.of(r);
        return Optional.empty();
    }

    /** The STT_SECTION symbol of a section, if the object has one. */
    public Optional<Symbol> sectionSymbol(Section section) {
        for (Symbol s : symbols) if (s.isSectionSymbol() && s.section() == section) return Optional.of(s);
        return Optional.empty();
    }

    /** The 1-based section header index each section will have when written. */
    public Map<Section, Integer> sectionIndices() {
        Map<Section, Integer> idx = new IdentityHashMap<>();
        for (int i = 0; i < sections.size(); i++) idx.put(sections.get(i), i + 1);
        return idx;
    }

    public List<Section> unmodifiableSections() { return Collections.unmodifiableList(sections); }
}
