package dev.klp4j.diff;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, for each function and object of the patched object, whether it is new, changed or the
 * same as in the original: its bytes are compared, and its relocations by offset, type, target
 * (the correlated symbol, the same name up to numeric suffixes, or the same string) and addend,
 * never by symbol index. Code differing only in __LINE__ values counts as the same.
 */
final class Comparator {
    private final ObjectIndex orig;
    private final ObjectIndex patched;
    private final Correlation c;
    private final boolean x86;
    final Map<Symbol, Status> status = new IdentityHashMap<>();
    /** The author's directives (ignored functions and sections). */
    Directives directives;
    /** Functions whose only difference is __LINE__ values. */
    final List<Symbol> lineOnly = new ArrayList<>();
    /**
     * Changed static functions the kernel cannot redirect (no ftrace call: an inline gcc kept out of
     * line) that the patch carries as private copies; their callers are replaced instead.
     */
    final java.util.Set<Symbol> copies = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /**
     * Changed read-only tables (static const, looked up by this object's code) that the patch
     * carries anew; every function that reads one is replaced so that its next lookup reads the new
     * table.
     */
    final java.util.Set<Symbol> carriedTables = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    /** Changed functions without an ftrace call whose callers cannot be replaced either, with why (for the refusal). */
    final Map<Symbol, String> uncopiable = new IdentityHashMap<>();
    /** Changed read-only objects that cannot be carried so, with why (for the refusal). */
    final Map<Symbol, String> uncarriedTables = new IdentityHashMap<>();

    private Comparator(ObjectIndex orig, ObjectIndex patched, Correlation c) {
        this.orig = orig;
        this.patched = patched;
        this.c = c;
        this.x86 = patched.file.header().machine() == Elf.EM_X86_64;
    }

    static Comparator compare(ObjectIndex orig, ObjectIndex patched, Correlation c, Directives directives) {
        Comparator k = new Comparator(orig, patched, c);
        k.directives = directives;
        k.run();
        for (Symbol s : patched.file.symbols()) {
            if (k.status.get(s) == Status.CHANGED && directives.ignored(s)) k.status.put(s, Status.SAME);
        }
        k.replaceReadersOfChangedTables();
        k.replaceCallersOfUntraceable();
        k.coldPiecesFollowTheirParent();
        return k;
    }

    /**
     * A {@code .cold} piece is the far end of its parent's branches and jumps back into it: when the
     * parent is replaced, the running kernel's piece would return into the old parent's code with
     * the new parent's registers and stack frame. So the piece is carried with its parent even when
     * its own bytes did not change (a {@code .part} piece is called and returns, so it may stay).
     */
    private void coldPiecesFollowTheirParent() {
        for (Symbol p : patched.file.symbols()) {
            String parent = p.isFunction() && p.section() != null ? SymbolNames.coldParent(p.name()) : null;
            if (parent == null || status(p) != Status.SAME) continue;
            for (Symbol q : patched.file.symbols(parent)) {
                if (q.isFunction() && q.section() != null && status(q) == Status.CHANGED) status.put(p, Status.CHANGED);
            }
        }
    }

    Status status(Symbol patchedSymbol) {
        return status.getOrDefault(patchedSymbol, Status.SAME);
    }

    private void run() {
        for (Symbol p : patched.file.symbols()) {
            if (!(p.isFunction() || p.isObject()) || p.section() == null) continue;
            Symbol o = c.origOf(p);
            if (o == null || o.section() == null) {
                status.put(p, Status.NEW);
            } else {
                status.put(p, same(o, p) ? Status.SAME : Status.CHANGED);
            }
        }
        // A changed or new .cold part (or a split .part without its own ftrace call) can only be
        // reached through its parent, so the parent must be replaced too.
        for (Symbol p : patched.file.symbols()) {
            String parent = p.isFunction() ? SymbolNames.subfunctionParent(p.name()) : null;
            if (parent == null || status(p) == Status.SAME) continue;
            if (SymbolNames.coldParent(p.name()) == null && FentryCalls.site(patched, p) != null) continue;
            for (Symbol q : patched.file.symbols(parent)) {
                if (q.isFunction() && status(q) == Status.SAME) status.put(q, Status.CHANGED);
            }
        }
    }

    /**
     * A changed read-only table (a quirk or configuration table, a lookup table) is data the running
     * kernel already has, and no function that reads it changed. When only this object's functions
     * read it (it is static, no data holds its address, it holds no function pointers that would make
     * it an operations table kept in live objects, and no reader is __init code that has run), the
     * patch carries the new table and replaces those readers: their next lookup reads the new one.
     * Otherwise the change stays refused, and why is kept for the refusal.
     */
    private void replaceReadersOfChangedTables() {
        for (Symbol p : patched.file.symbols()) {
            if (!p.isObject() || p.section() == null || status(p) != Status.CHANGED) continue;
            if (!SymbolNames.kind(p.section()).equals("read-only data")) continue;
            // Its size may change too (a quirk added): every reader is replaced, and no other object can see it.
            if (c.origOf(p) == null) continue;
            List<Symbol> readers = new ArrayList<>();
            String why = whyNotCarried(p, readers);
            if (why != null) {
                uncarriedTables.put(p, why);
                continue;
            }
            carriedTables.add(p);
            for (Symbol q : readers) {
                String parent = SymbolNames.subfunctionParent(q.name());
                if (parent != null) {
                    for (Symbol f : patched.file.symbols(parent)) if (f.isFunction() && f.section() != null && status(f) == Status.SAME) status.put(f, Status.CHANGED);
                }
                if (status(q) == Status.SAME) status.put(q, Status.CHANGED);
            }
        }
    }

    /** Why table {@code p} cannot be carried with its readers, or null (then {@code readers} holds them). */
    private String whyNotCarried(Symbol p, List<Symbol> readers) {
        if (!p.isLocal()) return "it is global, so code outside this object reads the running kernel's table";
        for (Ref r : patched.refs(p.section(), patched.extentStart(p), patched.extentEnd(p))) {
            Symbol t = r.target();
            if (t != null && (t.isFunction() || (t.section() != null && t.section().isText()))) {
                return "it holds function pointers (an operations table: the kernel keeps its address in live objects)";
            }
        }
        for (Use u : usesOf(p)) {
            Section s = u.section();
            if (s.name().startsWith(".discard")) continue;
            Symbol user = u.user();
            String who = user != null ? user.name() : s.name();
            if (!s.isText()) return "its address is stored in " + who + " (data), and the running kernel reads the table through that pointer";
            if (user == null || !user.isFunction()) return "code outside any function (" + s.name() + ") reads it";
            if (SymbolNames.isInitSection(s)) return "__init/__exit code (" + who + ") reads it, which a live patch cannot replace";
            if (!readers.contains(user)) readers.add(user);
        }
        return readers.isEmpty() ? "no function of this object reads it" : null;
    }

    /**
     * A changed static function without an ftrace call (a header's static inline that gcc kept out
     * of line is notrace) cannot be redirected. Every reference to a static function is in this
     * object, so when all of them come from code (calls, not pointers in data) the callers are
     * replaced instead, and they call a private copy of the new body. Repeats until nothing more
     * changes (a caller may be such a function too).
     */
    private void replaceCallersOfUntraceable() {
        boolean grew = true;
        while (grew) {
            grew = false;
            for (Symbol p : patched.file.symbols()) {
                if (!p.isFunction() || p.section() == null || !p.isLocal() || status(p) != Status.CHANGED || copies.contains(p)) continue;
                if (SymbolNames.subfunctionParent(p.name()) != null) continue; // pieces follow their parent
                Symbol o = c.origOf(p);
                if (o == null || FentryCalls.site(orig, o) != null) continue;
                List<Symbol> callers = new ArrayList<>();
                String pointer = null;
                for (Use u : usesOf(p)) {
                    // a jump into p's middle from code elsewhere (its alternatives' replacement
                    // code, its .cold part) is p's own control flow, neither a call nor a pointer
                    if (u.section().isText() && insideBody(p, u.ref())) continue;
                    Symbol user = u.user();
                    if (user == null || !user.isFunction() || !u.section().isText()) {
                        // a .discard reference counts too: whatever keeps the address may call through it
                        if (pointer == null) pointer = user != null ? user.name() : u.section().name();
                    } else {
                        callers.add(user);
                    }
                }
                if (pointer != null) {
                    uncopiable.put(p, "its address is stored in " + pointer + " (data), so it is called through a pointer that no"
                            + " replaced caller can change");
                    continue;
                }
                if (callers.isEmpty()) continue;
                copies.add(p);
                for (Symbol q : callers) {
                    if (status(q) == Status.SAME) {
                        status.put(q, Status.CHANGED);
                        grew = true;
                    }
                }
                grew = true;
            }
        }
    }

    /** A reference to a symbol from another section, and the symbol that holds it (null outside any). */
    private record Use(Section section, Ref ref, Symbol user) {}

    /** Whether {@code r} designates a place inside function {@code f} past its entry. */
    private static boolean insideBody(Symbol f, Ref r) {
        long into = r.designated() - f.value();
        return into > 0 && into < f.size();
    }

    /** Every reference to {@code p} from an allocated section other than its own, special tables left out. */
    private List<Use> usesOf(Symbol p) {
        List<Use> uses = new ArrayList<>();
        for (Section s : patched.file.sections()) {
            if (!s.isAlloc() || s == p.section() || SpecialSections.isTable(s)) continue;
            for (Ref r : patched.refs(s)) {
                if (r.target() == p) uses.add(new Use(s, r, Correlator.userOf(patched, s, r.offset())));
            }
        }
        return uses;
    }

    private boolean same(Symbol o, Symbol p) {
        Section os = o.section();
        Section ps = p.section();
        long oStart = orig.extentStart(o);
        long oLen = orig.extentEnd(o) - oStart;
        long pStart = patched.extentStart(p);
        long pLen = patched.extentEnd(p) - pStart;
        if (oLen != pLen) return false;
        if ((os.type() == Elf.SHT_NOBITS) != (ps.type() == Elf.SHT_NOBITS)) return false;
        List<Ref> pRefs = patched.refs(ps, pStart, pStart + pLen);
        if (!sameRefs(orig.refs(os, oStart, oStart + oLen), oStart, pRefs, pStart)) return false;
        if (os.type() == Elf.SHT_NOBITS) return true;
        byte[] od = os.data();
        byte[] pd = ps.data();
        if (oStart + oLen > od.length || pStart + pLen > pd.length) return false;
        if (java.util.Arrays.equals(od, (int) oStart, (int) (oStart + oLen), pd, (int) pStart, (int) (pStart + pLen))) return true;
        if (x86 && p.isFunction() && LineMacros.onlyLineChanges(od, (int) oStart, pd, (int) pStart, (int) pLen, pRefs)) {
            lineOnly.add(p);
            return true;
        }
        return false;
    }

    private int fragmentDepth;

    /** Whether two correlated sections have the same bytes and references. */
    boolean sameSection(Section os, Section ps) {
        if (os.size() != ps.size() || os.type() != ps.type()) return false;
        if (os.type() != Elf.SHT_NOBITS && !java.util.Arrays.equals(os.data(), ps.data())) return false;
        return sameRefs(orig.refs(os), 0, patched.refs(ps), 0);
    }

    /**
     * The same references in the same order, at the same offsets from {@code oBase} and
     * {@code pBase}, of the same types, to the same things ({@link #refEqual}).
     */
    private boolean sameRefs(List<Ref> oRefs, long oBase, List<Ref> pRefs, long pBase) {
        if (oRefs.size() != pRefs.size()) return false;
        for (int i = 0; i < oRefs.size(); i++) {
            Ref x = oRefs.get(i);
            Ref y = pRefs.get(i);
            if (x.offset() - oBase != y.offset() - pBase || x.type() != y.type() || !refEqual(x, y)) return false;
        }
        return true;
    }

    /**
     * References into an anonymous code section ({@code .altinstr_aux}, {@code .fixup}) whose
     * offsets moved only because other fragments grew: the same if the fragments they point to
     * have the same bytes and references.
     */
    private boolean sameFragment(Ref a, Ref b) {
        Symbol ot = a.target();
        Symbol pt = b.target();
        if (!ot.isSectionSymbol() || !pt.isSectionSymbol() || fragmentDepth > 0) return false;
        if (c.origOf(pt.section()) != ot.section() || !patched.isAnonymousText(pt.section()) || !orig.isAnonymousText(ot.section())) return false;
        if (a.type() != b.type()) return false;
        Extent of = orig.fragment(ot.section(), ObjectIndex.targetOffset(a));
        Extent pf = patched.fragment(pt.section(), ObjectIndex.targetOffset(b));
        if (of.length() != pf.length() || of.length() <= 0) return false;
        if (!java.util.Arrays.equals(ot.section().data(), (int) of.start(), (int) of.end(), pt.section().data(), (int) pf.start(), (int) pf.end())) return false;
        fragmentDepth++;
        try {
            return sameRefs(orig.refs(ot.section(), of.start(), of.end()), of.start(), patched.refs(pt.section(), pf.start(), pf.end()), pf.start());
        } finally {
            fragmentDepth--;
        }
    }

    /**
     * Compiler-generated data sections without symbols whose names carry a counter
     * ({@code .data..Lubsan_data118}): the same if their bytes and references are.
     */
    private boolean sameAnonymousData(Section os, Section ps) {
        if (fragmentDepth > 0 || os.isText() || ps.isText() || os.type() != ps.type() || os.size() != ps.size()) return false;
        if (!orig.symbolsIn(os).isEmpty() || !patched.symbolsIn(ps).isEmpty()) return false;
        if (os.type() != Elf.SHT_NOBITS && !java.util.Arrays.equals(os.data(), ps.data())) return false;
        fragmentDepth++;
        try {
            return sameRefs(orig.refs(os), 0, patched.refs(ps), 0);
        } finally {
            fragmentDepth--;
        }
    }

    boolean refEqual(Ref a, Ref b) {
        if (a.literal() != null || b.literal() != null) {
            return java.util.Objects.equals(a.literal(), b.literal()) || Literal.sameButLines(a.literal(), b.literal());
        }
        Symbol ot = a.target();
        Symbol pt = b.target();
        if (ot == null || pt == null) return ot == pt && a.addend() == b.addend();
        if (a.addend() != b.addend()) return sameFragment(a, b);
        Symbol twin = c.origOf(pt);
        if (twin != null) return twin == ot;
        if (c.hasPatched(ot)) return false;
        if (ot.isSectionSymbol() && pt.isSectionSymbol()) {
            Section twinSec = c.origOf(pt.section());
            if (twinSec != null) return twinSec == ot.section();
            if (SymbolNames.mangled(ot.section().name()).equals(SymbolNames.mangled(pt.section().name()))) return true;
            return sameAnonymousData(ot.section(), pt.section());
        }
        if (ot.isSectionSymbol() != pt.isSectionSymbol()) return false;
        return SymbolNames.mangled(ot.name()).equals(SymbolNames.mangled(pt.name()));
    }
}
