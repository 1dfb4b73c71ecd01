package dev.klp4j.diff;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Read-only lookups over one object: symbols per section, the symbol a section was made for
 * (with -ffunction-sections/-fdata-sections), relocations resolved to {@link Ref}s, and the
 * byte range ("extent") each function or object occupies. Built once per object per diff.
 */
final class ObjectIndex {
    final ElfFile file;
    private final Map<Section, RelocationSection> relas = new IdentityHashMap<>();
    private final Map<Section, List<Symbol>> defined = new IdentityHashMap<>();
    private final Map<Section, Symbol> sectionSymbols = new IdentityHashMap<>();
    private final Map<Section, Symbol> primary = new IdentityHashMap<>();
    private final Map<Section, List<Ref>> refs = new IdentityHashMap<>();
    private final Map<Symbol, Integer> sympos = new IdentityHashMap<>();

    ObjectIndex(ElfFile file) {
        this.file = file;
        for (Section s : file.sections()) {
            if (s instanceof RelocationSection r && r.target() != null) relas.put(r.target(), r);
        }
        Map<String, Integer> seen = new java.util.HashMap<>();
        for (Symbol s : file.symbols()) {
            if (s.isSectionSymbol()) {
                if (s.section() != null) sectionSymbols.putIfAbsent(s.section(), s);
                continue;
            }
            if (s.isFileSymbol()) continue;
            if (!s.name().isEmpty()) sympos.put(s, seen.merge(s.name(), 1, Integer::sum));
            if (s.section() != null) defined.computeIfAbsent(s.section(), k -> new ArrayList<>()).add(s);
        }
        for (Map.Entry<Section, List<Symbol>> e : defined.entrySet()) {
            e.getValue().sort(Comparator.comparingLong(Symbol::value));
            Symbol p = findPrimary(e.getKey(), e.getValue());
            if (p != null) primary.put(e.getKey(), p);
        }
    }

    private static Symbol findPrimary(Section sec, List<Symbol> syms) {
        Symbol only = null;
        int count = 0;
        for (Symbol s : syms) {
            if (!(s.isFunction() || s.isObject()) || SymbolNames.isPrefixSymbol(s)) continue;
            if (sec.name().endsWith("." + s.name())) return s;
            only = s;
            count++;
        }
        if (count == 1 && only.value() == 0 && only.size() == sec.size()) return only;
        if (count == 1 && only.isFunction() && sec.isText() && sec.name().startsWith(".text.")) return only;
        return null;
    }

    /** 1-based position of a symbol among the symbols of the same name, in symbol-table order. */
    int sympos(Symbol s) {
        return sympos.getOrDefault(s, 0);
    }

    RelocationSection rela(Section s) { return relas.get(s); }

    List<Symbol> symbolsIn(Section s) { return defined.getOrDefault(s, List.of()); }

    Symbol sectionSymbol(Section s) { return sectionSymbols.get(s); }

    /** The function or object a section was generated for, or null for a shared section. */
    Symbol primary(Section s) { return primary.get(s); }

    /** Whether the symbol owns its whole section. */
    boolean ownsSection(Symbol s) { return s.section() != null && primary.get(s.section()) == s; }

    long extentStart(Symbol s) { return ownsSection(s) ? 0 : s.value(); }

    long extentEnd(Symbol s) { return ownsSection(s) ? s.section().size() : s.value() + s.size(); }

    /** The resolved relocations of a section, in offset order. */
    synchronized List<Ref> refs(Section s) {
        List<Ref> r = refs.get(s);
        if (r == null) {
            r = resolve(s);
            refs.put(s, r);
        }
        return r;
    }

    /** The resolved relocations that patch bytes in [start, end) of a section. */
    List<Ref> refs(Section s, long start, long end) {
        List<Ref> all = refs(s);
        List<Ref> out = new ArrayList<>();
        for (Ref r : all) if (r.offset() >= start && r.offset() < end) out.add(r);
        return out;
    }

    private List<Ref> resolve(Section s) {
        RelocationSection rs = relas.get(s);
        if (rs == null) return List.of();
        List<Ref> out = new ArrayList<>(rs.relocations().size());
        boolean x86 = file.header().machine() == Elf.EM_X86_64;
        for (Relocation rel : rs.relocations()) {
            long adjust = 0;
            if (pcRelative(rel.type())) {
                // In code the reference is relative to the end of the instruction; in data
                // (exception tables, ORC, ...) it is relative to the field itself.
                adjust = !s.isText() ? 0 : x86 ? X86.bytesToInstructionEnd(s.data(), (int) rel.offset()) : 4;
            }
            out.add(resolve(rel, adjust));
        }
        out.sort(Comparator.comparingLong(Ref::offset));
        return out;
    }

    private Ref resolve(Relocation rel, long adjust) {
        Symbol t = rel.symbol();
        if (t == null || t.section() == null) return new Ref(rel, t, rel.addend(), null, adjust);
        Section sec = t.section();
        if (SymbolNames.isStringSection(sec)) {
            long at = t.value() + rel.addend() + adjust;
            return new Ref(rel, t, rel.addend(), stringAt(sec, at), adjust);
        }
        if (sec.hasFlag(Elf.SHF_MERGE) && sec.entsize() > 0 && (t.isSectionSymbol() || t.type() == Elf.STT_NOTYPE)) {
            // A mergeable constant (.rodata.cst8, ...) or its .LC label: what matters is the value, not where it sits.
            long at = t.value() + rel.addend() + adjust;
            return new Ref(rel, t, rel.addend(), constantAt(sec, at), adjust);
        }
        if (!t.isSectionSymbol()) return new Ref(rel, t, rel.addend(), null, adjust);
        Symbol p = primary.get(sec);
        if (p != null) return new Ref(rel, p, rel.addend() - p.value(), null, adjust);
        long off = rel.addend() + adjust;
        Symbol best = null;
        for (Symbol c : symbolsIn(sec)) {
            if (!(c.isFunction() || c.isObject()) || c.size() == 0) continue;
            if (c.value() <= off && off < c.value() + c.size()) {
                if (best == null || SymbolNames.isPrefixSymbol(best)) best = c;
            }
        }
        // gcc may point just past the last object of a section (a loop bound): it stands for that object's end.
        if (best == null && !sec.isText()) {
            for (Symbol c : symbolsIn(sec)) {
                if (c.isObject() && c.size() > 0 && c.value() + c.size() == off && off == sec.size()) best = c;
            }
        }
        if (best != null) return new Ref(rel, best, rel.addend() - best.value(), null, adjust);
        return new Ref(rel, t, rel.addend(), null, adjust);
    }

    private final Map<Section, long[]> fragmentStarts = new IdentityHashMap<>();

    /** Where a reference points into the section of its relocation symbol. */
    static long targetOffset(Ref r) {
        return r.designated();
    }

    /**
     * The range [start, end) of the fragment at {@code offset} of an anonymous section (one
     * without function or object symbols, like {@code .altinstr_aux} or {@code .fixup}):
     * fragments start wherever a relocation anywhere in the object points.
     */
    synchronized Extent fragment(Section sec, long offset) {
        long[] starts = fragmentStarts.get(sec);
        if (starts == null) {
            java.util.TreeSet<Long> set = new java.util.TreeSet<>();
            for (Section s : file.sections()) {
                if (!s.isAlloc() || relas.get(s) == null) continue;
                for (Ref r : refs(s)) {
                    if (r.target() != null && r.target().isSectionSymbol() && r.target().section() == sec) set.add(targetOffset(r));
                }
            }
            starts = set.stream().mapToLong(Long::longValue).toArray();
            fragmentStarts.put(sec, starts);
        }
        long end = sec.size();
        for (long st : starts) {
            if (st > offset) {
                end = st;
                break;
            }
        }
        return new Extent(offset, Math.max(offset, Math.min(end, sec.size())));
    }

    /** Whether a text section holds no function symbols (compiler/asm fragments). */
    boolean isAnonymousText(Section sec) {
        if (!sec.isText()) return false;
        for (Symbol s : symbolsIn(sec)) if (s.isFunction()) return false;
        return true;
    }

    static boolean pcRelative(int type) {
        // R_X86_64_PC32, PLT32, GOTPCREL, PC64, GOTPCRELX, REX_GOTPCRELX
        return type == 2 || type == 4 || type == 9 || type == 24 || type == 41 || type == 42;
    }

    private static Literal constantAt(Section sec, long at) {
        byte[] d = sec.data();
        int n = (int) sec.entsize();
        if (at < 0 || at + n > d.length) return new Literal.OutOfRange(at);
        return new Literal.Constant(java.util.HexFormat.of().formatHex(d, (int) at, (int) at + n));
    }

    private static Literal stringAt(Section sec, long at) {
        byte[] d = sec.data();
        if (at < 0 || at >= d.length) return new Literal.OutOfRange(at);
        int end = (int) at;
        while (end < d.length && d[end] != 0) end++;
        return new Literal.Text(new String(d, (int) at, end - (int) at, StandardCharsets.ISO_8859_1));
    }

    static boolean isFentry(Symbol s) {
        return s != null && (s.name().equals("__fentry__") || s.name().equals("mcount") || s.name().equals("__mcount")
                || s.name().equals("_mcount"));
    }
}
