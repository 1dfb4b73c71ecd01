package dev.klp4j.diff;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the original and the patched object of one source file into a patch object.
 *
 * <p>{@link #diff} is pure: it reads its inputs, never modifies them, keeps no state between
 * calls, and so may run on many objects at once from several threads.
 */
public final class Differ {
    private Differ() {}

    public static DiffResult diff(ElfFile orig, ElfFile patched, DiffOptions opts) {
        ObjectIndex o = new ObjectIndex(orig);
        ObjectIndex p = new ObjectIndex(patched);
        Correlation c = Correlator.correlate(o, p);
        Comparator cmp = Comparator.compare(o, p, c, Directives.read(p));
        Inclusion inc = new Inclusion(p, cmp);
        inc.seed();

        SpecialSections special = new SpecialSections(p, opts.structSizes()).object(opts.objectName())
                .added(s -> cmp.status(s) == Status.NEW);
        Map<Section, SpecialSections.Rebuilt> tables;
        while (true) {
            Set<String> names = keptFunctionNames(p, inc);
            tables = special.rebuild(s -> inc.isKept(s) && hasFunction(p, s), names, inc.kept(),
                    s -> (s.isFunction() || s.isObject()) && !s.isLocal() && cmp.status(s) == Status.NEW);
            int before = inc.kept().size();
            for (SpecialSections.Rebuilt r : tables.values()) for (Ref ref : r.refs()) inc.need(ref);
            inc.close();
            if (inc.kept().size() == before) break;
        }

        List<String> reasons = new ArrayList<>(Checks.run(o, p, c, cmp, inc, special));
        reasons.addAll(special.problems());

        List<String> changed = new ArrayList<>();
        List<String> added = new ArrayList<>();
        List<String> newData = new ArrayList<>();
        List<PatchMeta.Function> functions = new ArrayList<>();
        for (Symbol s : p.file.symbols()) {
            if (s.section() == null || !inc.isKept(s.section())) continue;
            Status st = cmp.status(s);
            if (s.isObject() && st == Status.NEW && !SymbolNames.isSpecialStatic(s)) newData.add(s.name());
            if (!s.isFunction() || SymbolNames.isPrefixSymbol(s) || SymbolNames.coldParent(s.name()) != null) continue;
            if (st == Status.CHANGED && cmp.copies.contains(s)) {
                // Not redirected (it cannot be): its callers are, and they call this copy.
                Symbol twin = c.origOf(s);
                functions.add(new PatchMeta.Function(twin.name(), FunctionStatus.COPY, twin.size(), s.size(), 0, false));
            } else if (st == Status.CHANGED) {
                Symbol twin = c.origOf(s);
                changed.add(twin.name());
                functions.add(new PatchMeta.Function(twin.name(), FunctionStatus.CHANGED, twin.size(), s.size(), o.sympos(twin), !twin.isLocal()));
            } else if (st == Status.NEW) {
                // A piece GCC split off a changed function (foo.part.1 of a changed foo) belongs to
                // that function: it is carried with it, not reported as a function the patch adds.
                if (!isPieceOfChanged(p, cmp, s)) added.add(s.name());
                functions.add(new PatchMeta.Function(s.name(), FunctionStatus.NEW, 0, s.size(), 0, !s.isLocal()));
            }
        }
        Map<String, Integer> entries = new LinkedHashMap<>();
        for (SpecialSections.Rebuilt r : tables.values()) entries.merge(r.source().name(), r.entries(), Integer::sum);

        if (!reasons.isEmpty()) {
            return new DiffResult(DiffResult.Outcome.REFUSED, changed, added, newData, entries, reasons, null);
        }
        boolean newGlobals = false;
        for (Symbol s : p.file.symbols()) {
            if ((s.isFunction() || s.isObject()) && !s.isLocal() && s.section() != null && inc.isKept(s.section())
                    && cmp.status(s) == Status.NEW) newGlobals = true;
        }
        boolean callbacks = false;
        for (Section s : inc.kept()) if (Directives.isCallbackSection(s)) callbacks = true;
        // Nothing to redirect, nothing new to export and no callbacks to run: no patch.
        if (changed.isEmpty() && !newGlobals && !callbacks) {
            return new DiffResult(DiffResult.Outcome.NO_CHANGE, changed, added, newData, entries, reasons, null);
        }
        List<Symbol> traced = new ArrayList<>();
        if (FentryCalls.x86(p)) {
            for (Symbol s : p.file.symbols()) {
                if (s.isFunction() && s.section() != null && inc.isKept(s.section()) && cmp.status(s) != Status.SAME
                        && !SymbolNames.isPrefixSymbol(s) && FentryCalls.site(p, s) != null) traced.add(s);
            }
        }
        java.util.Set<Symbol> replaced = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Symbol s : p.file.symbols()) if (s.isFunction() && cmp.status(s) == Status.CHANGED && !cmp.copies.contains(s)) replaced.add(s);
        OutputBuilder builder = new OutputBuilder(o, p, c).replaced(replaced)
                .unchanged(s -> (s.isFunction() || s.isObject()) && c.origOf(s) != null && cmp.status(s) == Status.SAME);
        List<String> carried = new ArrayList<>();
        for (Symbol t : cmp.carriedTables) if (inc.isKept(t.section())) carried.add(t.name());
        PatchObject out = builder.build(inc, tables, functions, newData, opts.objectName(), traced, carried);
        if (builder.mcountEntries() > 0) entries.put("__mcount_loc", builder.mcountEntries());
        return new DiffResult(DiffResult.Outcome.PATCH, changed, added, newData, entries, reasons, out);
    }

    private static boolean isPieceOfChanged(ObjectIndex p, Comparator cmp, Symbol piece) {
        String parent = SymbolNames.cloneParent(piece.name());
        if (parent == null) return false;
        for (Symbol f : p.file.symbols(parent)) if (f.isFunction() && f.section() != null && cmp.status(f) == Status.CHANGED) return true;
        return false;
    }

    private static boolean hasFunction(ObjectIndex p, Section s) {
        if (!s.isText()) return false;
        for (Symbol sym : p.symbolsIn(s)) if (sym.isFunction()) return true;
        return false;
    }

    private static Set<String> keptFunctionNames(ObjectIndex p, Inclusion inc) {
        Set<String> names = new HashSet<>();
        for (Section s : inc.kept()) {
            for (Symbol sym : p.symbolsIn(s)) if (sym.isFunction()) names.add(sym.name());
        }
        return names;
    }
}
