package dev.klp4j.diff;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the patch object: the kept sections (renamed to the original's names where GCC renumbered
 * a clone), the rebuilt special tables, their symbols, relocations against those symbols or against
 * undefined GLOBAL references named as in the original; and the metadata that goes with it.
 */
final class OutputBuilder {
    private final ObjectIndex orig;
    private final ObjectIndex patched;
    private final Correlation c;
    private final Map<Section, Section> out = new IdentityHashMap<>();
    private final Map<Section, Symbol> outSecSym = new IdentityHashMap<>();
    private final Map<Symbol, Symbol> outSym = new IdentityHashMap<>();
    /** Undefined references, keyed by the original symbol (or the patched one if it has none). */
    private final Map<Symbol, Symbol> externals = new LinkedHashMap<>();
    private final List<PatchMeta.Reference> references = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();
    private final List<Symbol> symbols = new ArrayList<>();
    /** recordmcount NOPs turned back into calls: their relocations become PC32. */
    private final java.util.Set<Relocation> restoredCalls = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private Map<Section, SpecialSections.Rebuilt> specials = Map.of();
    private java.util.Set<Symbol> replaced = java.util.Set.of();
    private java.util.function.Predicate<Symbol> unchanged = s -> false;
    private int mcountEntries;

    private static final int R_X86_64_32S = 11;

    OutputBuilder(ObjectIndex orig, ObjectIndex patched, Correlation c) {
        this.orig = orig;
        this.patched = patched;
        this.c = c;
    }

    /**
     * Builds the patch object: its ELF, and its metadata with the references the ELF leaves undefined.
     *
     * @param traced functions carried by the patch whose ftrace call sites go into a fresh
     *               {@code __mcount_loc} (x86_64); empty to keep the filtered table instead
     */
    PatchObject build(Inclusion inc, Map<Section, SpecialSections.Rebuilt> specials, List<PatchMeta.Function> functions,
                  List<String> newData, String objectName, List<Symbol> traced, List<String> tables) {
        this.specials = specials;
        for (Symbol s : patched.file.symbols()) {
            if (s.isFileSymbol()) {
                symbols.add(s.copy());
                break;
            }
        }
        // Sections in the patched object's order: kept ones copied, special tables rebuilt.
        for (Section s : patched.file.sections()) {
            SpecialSections.Rebuilt r = specials.get(s);
            if (r != null) {
                addSection(s, new Section(s.name(), s.type(), s.flags() & ~Elf.SHF_GROUP, s.addralign(), s.entsize(), r.data()));
            } else if (inc.isKept(s)) {
                Section copy = s.type() == Elf.SHT_NOBITS
                        ? Section.nobits(outName(s), s.flags() & ~Elf.SHF_GROUP, s.addralign(), s.size())
                        : new Section(outName(s), s.type(), s.flags() & ~Elf.SHF_GROUP, s.addralign(), s.entsize(), s.data().clone());
                addSection(s, copy);
            }
        }
        for (Section s : patched.file.sections()) {
            Section o = out.get(s);
            SpecialSections.Rebuilt r = specials.get(s);
            // A rebuilt table has no symbols, except those of the stretches a rebuilt section moved.
            if (o == null || (r != null && r.moves().isEmpty())) continue;
            for (Symbol sym : patched.symbolsIn(s)) {
                long at = r == null ? sym.value() : r.moved(sym.value());
                if (at < 0) continue;
                Symbol copy = sym.copy().section(o).value(at);
                Symbol twin = c.origOf(sym);
                if (twin != null && !twin.name().equals(sym.name())) copy.name(twin.name());
                // The module must not export a second definition of a kernel function (nor clash with
                // another object of the same patch): functions it carries are local to it.
                if (copy.isFunction() && !copy.isLocal()) copy.bind(Elf.STB_LOCAL);
                else if (copy.bind() == Elf.STB_WEAK) copy.bind(Elf.STB_GLOBAL);
                outSym.put(sym, copy);
                symbols.add(copy);
            }
        }
        List<Relocation> mcount = new ArrayList<>();
        // One entry per call site: an alias (module_init's init_module for a non-__init
        // uvesafb_init) is a second function symbol at the same address. ftrace turns the first
        // entry's call into a NOP at the module's load, finds a NOP at the second, and disables
        // itself for the whole kernel ("ftrace failed to modify"), so no live patch can apply.
        Map<Section, Set<Long>> sites = new IdentityHashMap<>();
        for (Symbol f : traced) {
            Ref site = FentryCalls.site(patched, f);
            Section o = out.get(f.section());
            if (site == null || o == null) continue;
            if (!sites.computeIfAbsent(f.section(), x -> new HashSet<>()).add(site.offset())) continue;
            if (FentryCalls.isNop(site, o.data())) {
                FentryCalls.restoreCall(site, o.data());
                restoredCalls.add(site.reloc());
            }
            mcount.add(new Relocation(8L * mcount.size(), FentryCalls.R_X86_64_64, outSym.get(f), site.offset() - 1 - f.value()));
        }
        // Relocations.
        for (Section s : patched.file.sections()) {
            Section o = out.get(s);
            if (o == null) continue;
            SpecialSections.Rebuilt r = specials.get(s);
            List<Ref> refs = r != null ? r.refs() : patched.refs(s);
            if (refs.isEmpty()) {
                if (r != null && r.linkTo() != null) o.link(out.get(r.linkTo()));
                continue;
            }
            List<Relocation> rels = new ArrayList<>(refs.size());
            for (int i = 0; i < refs.size(); i++) {
                Ref ref = refs.get(i);
                long offset = r != null ? r.refOffsets().get(i) : ref.offset();
                rels.add(relocation(ref, offset));
            }
            if (r != null && r.linkTo() != null) o.link(out.get(r.linkTo()));
            RelocationSection src = patched.rela(s);
            boolean rela = src == null || src.isRela();
            String name = (rela ? ".rela" : ".rel") + o.name();
            RelocationSection rs = new RelocationSection(name, rela, Elf.SHF_INFO_LINK, o, rels);
            sections.add(sections.indexOf(o) + 1, rs);
        }
        if (!mcount.isEmpty()) {
            long flags = patched.file.section("__mcount_loc").map(Section::flags).orElse(Elf.SHF_ALLOC) & ~Elf.SHF_GROUP;
            Section loc = new Section("__mcount_loc", Elf.SHT_PROGBITS, flags, 8, 0, new byte[8 * mcount.size()]);
            sections.add(loc);
            Symbol ss = Symbol.forSection(loc);
            symbols.add(ss);
            sections.add(new RelocationSection(".rela__mcount_loc", true, Elf.SHF_INFO_LINK, loc, mcount));
        }
        mcountEntries = mcount.size();
        patched.file.section(".note.GNU-stack").ifPresent(s -> sections.add(new Section(s.name(), s.type(), s.flags(), s.addralign(), 0, new byte[0])));
        symbols.addAll(externals.values());
        return new PatchObject(new ElfFile(patched.file.header(), sections, symbols),
                new PatchMeta(objectName, functions, references, newData, tables));
    }

    /** A kept section keeps its name, except that a renumbered clone takes the original's name. */
    private String outName(Section s) {
        Symbol p = patched.primary(s);
        Symbol twin = p == null ? null : c.origOf(p);
        if (twin != null && !twin.name().equals(p.name()) && s.name().endsWith("." + p.name())) {
            return s.name().substring(0, s.name().length() - p.name().length()) + twin.name();
        }
        return s.name();
    }

    private void addSection(Section from, Section copy) {
        copy.addr(0);
        out.put(from, copy);
        sections.add(copy);
        Symbol ss = Symbol.forSection(copy);
        outSecSym.put(copy, ss);
        symbols.add(ss);
    }

    /** How many entries the fresh __mcount_loc got. */
    int mcountEntries() {
        return mcountEntries;
    }

    private Relocation relocation(Ref ref, long offset) {
        if (restoredCalls.contains(ref.reloc())) {
            ref = new Ref(new Relocation(ref.offset(), FentryCalls.R_X86_64_PC32, ref.reloc().symbol(), ref.reloc().addend()),
                    ref.target(), ref.addend(), ref.literal());
        }
        Symbol t = ref.target();
        if (t == null) return new Relocation(offset, ref.type(), null, ref.addend());
        if (t.isSectionSymbol()) {
            Section o = out.get(t.section());
            if (o == null) throw new IllegalStateException("reference to section " + t.section() + ", which is not in the patch object");
            long addend = ref.addend();
            SpecialSections.Rebuilt moved = specials.get(t.section());
            if (moved != null && !moved.moves().isEmpty()) {
                long at = moved.moved(ref.designated());
                if (at < 0) throw new IllegalStateException("reference into a dropped part of " + t.section());
                addend += at - ref.designated();
            }
            return new Relocation(offset, ref.type(), outSecSym.get(o), addend);
        }
        Symbol defined = outSym.get(t);
        if (defined != null && isPointerToReplacedFunction(ref)) defined = null;
        // An unchanged function or object that only came along because it shares a section with
        // something new is still the running kernel's: using the copy would fork its state.
        if (defined != null && unchanged.test(t)) defined = null;
        Symbol original = ref.reloc().symbol();
        if (defined != null && t.isFunction() && original != null && original.isSectionSymbol()
                && out.get(t.section()) != null && !specials.containsKey(t.section())) {
            // A branch gcc wrote section-relative (between a function and its .cold piece) stays so:
            // objtool, which checks the module at its link on 6.12, reads a jump to a function
            // symbol as a sibling call, and would leave the .cold code unchecked and without ORC.
            return new Relocation(offset, ref.type(), outSecSym.get(out.get(t.section())), ref.reloc().addend());
        }
        if (defined != null) return new Relocation(offset, ref.type(), defined, ref.addend());
        return new Relocation(offset, ref.type(), external(t), ref.addend());
    }

    /**
     * Taking the address of a function the patch replaces ({@code p = &foo}) keeps pointing at
     * the running kernel's {@code foo} (which the patch redirects anyway): such a pointer must stay
     * valid if it outlives the patch module. Calls and jumps use the copy in the module.
     */
    private boolean isPointerToReplacedFunction(Ref ref) {
        Symbol t = ref.target();
        return ref.type() == R_X86_64_32S && ref.addend() == 0 && t.isFunction() && c.origOf(t) != null
                && replaced.contains(t) && !t.name().contains(".") && FentryCalls.x86(patched);
    }


    /** Which patched functions and objects are the same as the running kernel's. */
    OutputBuilder unchanged(java.util.function.Predicate<Symbol> test) {
        this.unchanged = test;
        return this;
    }

    /** The patched functions that replace functions of the running kernel. */
    OutputBuilder replaced(java.util.Set<Symbol> functions) {
        this.replaced = functions;
        return this;
    }

    /** An undefined GLOBAL symbol named as in the original object, recorded in the metadata. */
    private Symbol external(Symbol patchedSym) {
        Symbol o = c.origOf(patchedSym);
        if (o == null && patchedSym.isUndefined()) {
            // An external of the patched object that the original did not use yet.
            for (Symbol cand : orig.file.symbols(patchedSym.name())) if (cand.isUndefined()) o = cand;
        }
        Symbol key = o != null ? o : patchedSym;
        Symbol ext = externals.get(key);
        if (ext != null) return ext;
        Symbol src = o != null ? o : patchedSym;
        int type = src.isFunction() || src.isObject() || src.type() == Elf.STT_TLS ? src.type() : Elf.STT_NOTYPE;
        ext = Symbol.undefined(src.name(), type);
        externals.put(key, ext);
        boolean wasLocal = o != null && o.isLocal() && !o.isUndefined();
        int sympos = o != null && !o.isUndefined() ? orig.sympos(o) : 0;
        references.add(new PatchMeta.Reference(src.name(), type, wasLocal, sympos));
        return ext;
    }
}
