package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Chooses what the patch object holds: the sections of changed and new functions, new global
 * data, patch callbacks ({@code .kpatch.*}/{@code .klp4j.*} sections), and, transitively, every
 * new or changed thing they reference and every anonymous section (string literals, jump tables,
 * compiler data) they point into. Unchanged functions and data they reference are not copied:
 * they stay references to the running kernel.
 */
final class Inclusion {
    private final ObjectIndex patched;
    private final Comparator cmp;
    private final Set<Section> kept = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Deque<Section> work = new ArrayDeque<>();

    Inclusion(ObjectIndex patched, Comparator cmp) {
        this.patched = patched;
        this.cmp = cmp;
    }

    /** Seeds the changed and new functions, new globals and callback sections, and closes over references. */
    void seed() {
        for (Symbol s : patched.file.symbols()) {
            if (s.section() == null || !(s.isFunction() || s.isObject())) continue;
            if (SymbolNames.isInitSection(s.section()) || Directives.isDirective(s)) continue;
            Status st = cmp.status(s);
            if (s.isFunction() && st == Status.CHANGED) keep(s.section());
            else if (st == Status.NEW && !s.isLocal()) keep(s.section());
        }
        for (Section s : patched.file.sections()) {
            if (Directives.isCallbackSection(s)) keep(s);
            // EXPORT_SYMBOL of something the patch adds: its ksymtab entry makes the patch module
            // export it (___ksymtab+NAME or ___ksymtab_gpl+NAME, pulling in its name strings).
            Symbol exported = exportedBy(s);
            if (exported != null && cmp.status(exported) == Status.NEW && !exported.isLocal()) keep(s);
        }
        close();
    }

    /** The symbol a {@code ___ksymtab*+NAME} section exports, or null. */
    private Symbol exportedBy(Section s) {
        if (!s.name().startsWith("___ksymtab")) return null;
        int plus = s.name().indexOf('+');
        if (plus < 0) return null;
        String name = s.name().substring(plus + 1);
        for (Symbol sym : patched.file.symbols(name)) {
            if (sym.section() != null && (sym.isFunction() || sym.isObject())) return sym;
        }
        return null;
    }

    boolean isKept(Section s) {
        return kept.contains(s);
    }

    Set<Section> kept() {
        return kept;
    }

    /** Keeps a section whole; its references are followed by {@link #close()}. */
    boolean keep(Section s) {
        if (s == null || !kept.add(s)) return false;
        work.push(s);
        return true;
    }

    /** Follows one reference from kept content. */
    void need(Ref r) {
        Symbol t = r.target();
        if (t == null || t.section() == null) return;
        if (t.isSectionSymbol() || r.literal() != null) {
            // Fragment sections (.fixup) are rebuilt with just the fragments kept code uses.
            if (!SpecialSections.isFragmentSection(t.section())) keep(t.section());
            return;
        }
        if (t.isFunction() || t.isObject()) {
            if (cmp.status(t) != Status.SAME) keep(t.section());
            return;
        }
        // A label (NOTYPE, TLS, ...) defined here: local ones cannot be resolved in the kernel.
        if (t.isLocal()) keep(t.section());
    }

    void close() {
        while (!work.isEmpty()) {
            Section s = work.pop();
            for (Ref r : patched.refs(s)) need(r);
        }
    }
}
