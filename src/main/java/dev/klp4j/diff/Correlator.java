package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pairs the symbols and sections of the original object with those of the patched one:
 * <ol>
 * <li>symbols by exact name (same-named locals in symbol-table order);</li>
 * <li>GCC clones whose numeric suffix changed ({@code foo.isra.0} and {@code foo.isra.1}) by their
 *     name without numbers, when that is unambiguous;</li>
 * <li>function-scope statics ({@code count.12}) by the functions that use them: a static local of
 *     a patched function pairs with the same-named static local its original used;</li>
 * <li>sections follow the symbol they were made for; other sections pair by name.</li>
 * </ol>
 * Special statics (once flags, lockdep keys, ...) are never paired.
 */
final class Correlator {
    private final ObjectIndex orig;
    private final ObjectIndex patched;
    private final Correlation c = new Correlation();

    private Correlator(ObjectIndex orig, ObjectIndex patched) {
        this.orig = orig;
        this.patched = patched;
    }

    static Correlation correlate(ObjectIndex orig, ObjectIndex patched) {
        Correlator k = new Correlator(orig, patched);
        k.byExactName();
        k.byMangledName();
        k.staticLocals();
        k.sections();
        return k.c;
    }

    private static boolean candidate(Symbol s) {
        if (s.isSectionSymbol() || s.isFileSymbol() || s.name().isEmpty()) return false;
        return !SymbolNames.isSpecialStatic(s);
    }

    private void byExactName() {
        Map<String, List<Symbol>> byName = new LinkedHashMap<>();
        for (Symbol s : orig.file.symbols()) {
            if (candidate(s) && !SymbolNames.isStaticLocal(s)) byName.computeIfAbsent(key(s), k -> new ArrayList<>()).add(s);
        }
        for (Symbol p : patched.file.symbols()) {
            if (!candidate(p) || SymbolNames.isStaticLocal(p)) continue;
            List<Symbol> l = byName.get(key(p));
            if (l == null || l.isEmpty()) continue;
            c.pair(l.remove(0), p);
        }
    }

    /** Name, type and whether it is defined: a defined symbol never pairs with an undefined one. */
    private static String key(Symbol s) {
        return (s.isUndefined() ? "U:" : "D:") + s.type() + ":" + s.name();
    }

    private void byMangledName() {
        Map<String, List<Symbol>> o = new LinkedHashMap<>();
        Map<String, List<Symbol>> p = new LinkedHashMap<>();
        for (Symbol s : orig.file.symbols()) {
            if (candidate(s) && !SymbolNames.isStaticLocal(s) && s.isFunction() && !c.hasPatched(s)) {
                o.computeIfAbsent(SymbolNames.mangled(s.name()), k -> new ArrayList<>()).add(s);
            }
        }
        for (Symbol s : patched.file.symbols()) {
            if (candidate(s) && !SymbolNames.isStaticLocal(s) && s.isFunction() && !c.hasOrig(s)) {
                p.computeIfAbsent(SymbolNames.mangled(s.name()), k -> new ArrayList<>()).add(s);
            }
        }
        for (Map.Entry<String, List<Symbol>> e : p.entrySet()) {
            List<Symbol> os = o.get(e.getKey());
            // Pair when unambiguous, or when both sides have the same number of such clones
            // (GCC numbers them in the same order).
            if (os != null && os.size() == e.getValue().size()) {
                for (int i = 0; i < os.size(); i++) c.pair(os.get(i), e.getValue().get(i));
            }
        }
    }

    private void staticLocals() {
        // A table's entries may each point at a static of the same name (uvc's
        // `&(struct uvc_device_info){...}`, __compound_literal.N, numbered in source order): an
        // entry inserted renumbers the rest, so statics of a data user are first paired by
        // their bytes. Then each patched user (in section order) claims the rest in order.
        // Statics reach statics (tda18250_probe -> regmap_config.34 -> volatile_table.36 ->
        // yes_ranges.37, laid out in the reverse order): each pass repeats until it pairs nothing new.
        while (claimStaticLocals(true)) { }
        while (claimStaticLocals(false)) { }
    }

    /** Whether it paired any static. */
    private boolean claimStaticLocals(boolean dataUsersByContent) {
        boolean paired = false;
        for (Section ps : patched.file.sections()) {
            if (!ps.isAlloc()) continue;
            for (Ref pr : patched.refs(ps)) {
                Symbol pv = pr.target();
                if (pv == null || !SymbolNames.isStaticLocal(pv) || c.hasOrig(pv)) continue;
                Symbol user = userOf(patched, ps, pr.offset());
                if (user == null || (dataUsersByContent && user.isFunction())) continue;
                String base = SymbolNames.mangled(pv.name());
                search:
                for (Symbol origUser : origUsers(user)) {
                    for (Ref or : orig.refs(origUser.section(), orig.extentStart(origUser), orig.extentEnd(origUser))) {
                        Symbol ov = or.target();
                        if (ov != null && SymbolNames.isStaticLocal(ov) && !c.hasPatched(ov)
                                && SymbolNames.mangled(ov.name()).equals(base) && (!dataUsersByContent || sameBytes(ov, pv))) {
                            c.pair(ov, pv);
                            paired = true;
                            break search;
                        }
                    }
                }
            }
        }
        return paired;
    }

    /** Whether two statics have the same size, kind of section and initial bytes. */
    private boolean sameBytes(Symbol o, Symbol p) {
        Section os = o.section(), ps = p.section();
        long oStart = orig.extentStart(o), oEnd = orig.extentEnd(o);
        long pStart = patched.extentStart(p), pEnd = patched.extentEnd(p);
        if (oEnd - oStart != pEnd - pStart || os.type() != ps.type() || os.flags() != ps.flags()) return false;
        if (os.type() == dev.klp4j.elf.Elf.SHT_NOBITS) return true;
        byte[] od = os.data(), pd = ps.data();
        if (oEnd > od.length || pEnd > pd.length) return false;
        return java.util.Arrays.equals(od, (int) oStart, (int) oEnd, pd, (int) pStart, (int) pEnd);
    }

    /**
     * Where the original object may have used the static locals a patched function uses: its
     * counterpart, then (as GCC moves code between a function and its .cold/.part pieces) the
     * counterpart's pieces and its parent's counterpart.
     */
    private List<Symbol> origUsers(Symbol user) {
        List<Symbol> out = new ArrayList<>();
        Symbol twin = c.origOf(user);
        if (twin != null && twin.section() != null) {
            out.add(twin);
            for (Symbol s : orig.file.symbols()) {
                if (s != twin && s.isFunction() && s.section() != null && twin.name().equals(SymbolNames.subfunctionParent(s.name()))) out.add(s);
            }
        }
        String parent = user.isFunction() ? SymbolNames.subfunctionParent(user.name()) : null;
        if (parent != null) {
            for (Symbol p : patched.file.symbols(parent)) {
                Symbol pt = c.origOf(p);
                if (pt != null && pt.section() != null && !out.contains(pt)) out.add(pt);
            }
        }
        return out;
    }

    /** The function or object whose bytes contain {@code offset} of {@code sec}. */
    static Symbol userOf(ObjectIndex idx, Section sec, long offset) {
        Symbol p = idx.primary(sec);
        if (p != null) return p;
        for (Symbol s : idx.symbolsIn(sec)) {
            if ((s.isFunction() || s.isObject()) && !SymbolNames.isPrefixSymbol(s)
                    && s.value() <= offset && offset < s.value() + Math.max(1, s.size())) return s;
        }
        return null;
    }

    private void sections() {
        for (Section ps : patched.file.sections()) {
            Symbol p = patched.primary(ps);
            if (p == null) continue;
            Symbol o = c.origOf(p);
            if (o != null && o.section() != null && orig.primary(o.section()) == o && !c.hasPatched(o.section())) {
                c.pair(o.section(), ps);
            }
        }
        Map<String, List<Section>> byName = new LinkedHashMap<>();
        for (Section s : orig.file.sections()) {
            if (!c.hasPatched(s) && orig.primary(s) == null) byName.computeIfAbsent(s.name(), k -> new ArrayList<>()).add(s);
        }
        for (Section ps : patched.file.sections()) {
            if (c.hasOrig(ps) || patched.primary(ps) != null) continue;
            List<Section> l = byName.get(ps.name());
            if (l != null && !l.isEmpty()) c.pair(l.remove(0), ps);
        }
    }
}
