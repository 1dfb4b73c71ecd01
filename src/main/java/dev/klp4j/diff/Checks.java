package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.List;

/**
 * The changes a live patch cannot carry. Each reason names the function or data, says why, and
 * what the author can do instead.
 */
final class Checks {
    private final ObjectIndex orig;
    private final ObjectIndex patched;
    private final Correlation c;
    private final Comparator cmp;
    private final Inclusion inc;
    private final List<String> reasons = new ArrayList<>();
    private SpecialSections special;

    private Checks(ObjectIndex orig, ObjectIndex patched, Correlation c, Comparator cmp, Inclusion inc) {
        this.orig = orig;
        this.patched = patched;
        this.c = c;
        this.cmp = cmp;
        this.inc = inc;
    }

    static List<String> run(ObjectIndex orig, ObjectIndex patched, Correlation c, Comparator cmp, Inclusion inc,
                            SpecialSections special) {
        Checks k = new Checks(orig, patched, c, cmp, inc);
        k.special = special;
        k.symbols();
        k.staticLocalReferences();
        k.anonymousSections();
        k.bootTimeConstants();
        k.removedGlobalData();
        return k.reasons;
    }

    private void symbols() {
        for (Symbol p : patched.file.symbols()) {
            if (p.section() == null || !(p.isFunction() || p.isObject())) continue;
            Symbol o = c.origOf(p);
            if (o == null || o.section() == null) continue;
            String ok = SymbolNames.kind(o.section());
            String pk = SymbolNames.kind(p.section());
            if (!ok.equals(pk)) {
                reasons.add(p.name() + ": moved from " + ok + " (" + o.section().name() + ") to " + pk + " ("
                        + p.section().name() + "), which a live patch cannot do; keep it where it was and change its users instead");
                continue;
            }
            if (cmp.status(p) != Status.CHANGED) continue;
            // MODULE_DEVICE_TABLE's alias of a device-ID table (for modpost): the table's own finding says it all.
            if (p.isObject() && p.name().startsWith("__mod_") && p.name().endsWith("_device_table")) continue;
            if (p.isFunction()) function(o, p);
            else data(p);
        }
    }

    private void function(Symbol o, Symbol p) {
        if (SymbolNames.isPrefixSymbol(p)) return;
        if (SymbolNames.isExitSection(p.section())) {
            // __exit is notrace, and built-in code discards .exit.text at link time: it runs (for a
            // module) only at unload, where no redirection can reach it.
            reasons.add(p.name() + ": changed __exit function (" + p.section().name()
                    + "): it runs only when its module is unloaded (built-in code never runs it) and has no fentry call, so"
                    + " it cannot be redirected; the fix takes effect at the next boot");
            return;
        }
        if (SymbolNames.isInitSection(p.section())) {
            reasons.add(p.name() + ": changed __init function (" + p.section().name()
                    + "): it ran at boot or module load and is gone, so redirecting it has no effect; "
                    + "patch the code it set up at run time, or use a patch callback (pre_patch/post_patch) to redo its work");
            return;
        }
        if (SymbolNames.coldParent(p.name()) != null) return;
        // A split-off part whose parent is replaced too is reached through the new parent.
        String parent = SymbolNames.subfunctionParent(p.name());
        if (parent != null) {
            for (Symbol q : patched.file.symbols(parent)) if (q.isFunction() && cmp.status(q) == Status.CHANGED) return;
        }
        if (!hasFentry(o) && !cmp.copies.contains(p)) {
            if (!objectHasFentry()) {
                // lib/ and kernel/trace/ remove the ftrace flags in their Makefiles: their callers in
                // the object cannot be redirected either.
                reasons.add(p.name() + ": changed function has no fentry call: its object is built without ftrace (its Makefile"
                        + " removes -pg, as lib/ and kernel/trace/ do), so neither it nor any caller in the object can be"
                        + " redirected; it takes a reboot, unless the callers in other objects are patched instead");
                return;
            }
            String why = cmp.uncopiable.get(p);
            reasons.add(p.name() + ": changed function has no fentry call (notrace), so ftrace cannot redirect it; "
                    + (why != null ? "and its callers cannot be replaced instead: " + why
                    + "; change the code so the fix is in a traceable function (not `inline`), or it takes a reboot"
                    : p.isLocal() ? "patch its callers instead" : "it is global, and klp4j replaces the callers of such a"
                    + " function only within its object; patch its callers instead"));
        }
    }

    private Boolean objectHasFentry;

    /** Whether any function of the original object calls __fentry__ (none does in an object built without -pg). */
    private boolean objectHasFentry() {
        if (objectHasFentry == null) {
            objectHasFentry = orig.file.symbols().stream().anyMatch(f -> f.isFunction() && f.section() != null && hasFentry(f));
        }
        return objectHasFentry;
    }

    private boolean hasFentry(Symbol o) {
        long start = orig.extentStart(o);
        for (Ref r : orig.refs(o.section(), start, orig.extentEnd(o))) {
            if (ObjectIndex.isFentry(r.target())) return true;
        }
        return false;
    }

    private void data(Symbol p) {
        Symbol o = c.origOf(p);
        // Init data first: a DMI quirk table (__initconst) that grows was read once at boot and
        // freed, which is the reason to give, not its new size.
        if (SymbolNames.isInitSection(p.section())) {
            reasons.add(p.name() + ": changed init data (" + p.section().name()
                    + "): it was used at boot and freed; use a patch callback to apply the new setting at patch time");
            return;
        }
        if (o != null && o.size() != p.size() && !(cmp.carriedTables.contains(p) && inc.isKept(p.section()))) {
            String why = cmp.uncarriedTables.get(p);
            reasons.add(p.name() + ": data object changed size (" + o.size() + " to " + p.size() + " bytes); "
                    + "existing users in the running kernel would use the old layout"
                    + (why == null ? "" : " (a read-only table, but it cannot be carried with its readers: " + why + ")")
                    + "; keep the object as it is and use a shadow variable for new fields");
            return;
        }
        String kind = SymbolNames.kind(p.section());
        if (kind.equals("read-only data")) {
            if (!inc.isKept(p.section())) {
                String why = cmp.uncarriedTables.get(p);
                reasons.add(p.name() + ": read-only data changed (" + p.section().name()
                        + ") but no changed function uses it" + (why == null ? "" : " and it cannot be carried with its readers: " + why)
                        + ", so the old value stays in use; "
                        + "change the functions that use it (they get the new copy) or add a new object");
            }
            return;
        }
        reasons.add(p.name() + ": existing " + kind + " changed (" + p.section().name()
                + ": initial value or size), but a live patch cannot modify data the running kernel already has; "
                + "use a shadow variable for new fields, or a patch callback to update the value at patch time");
    }

    /** A patched function that stopped using a static local of its original would silently fork its state. */
    private void staticLocalReferences() {
        java.util.Set<Symbol> reported = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Section os : orig.file.sections()) {
            if (!os.isAlloc() || os.name().startsWith(".discard")) continue;
            for (Ref r : orig.refs(os)) {
                Symbol v = r.target();
                if (v == null || !SymbolNames.isStaticLocal(v) || c.hasPatched(v) || v.section() == os || !reported.add(v)) continue;
                Symbol user = Correlator.userOf(orig, os, r.offset());
                reasons.add((user != null ? user.name() : os.name()) + ": its static local variable " + v.name()
                        + " has no counterpart in the patched object (the patched code would start with fresh state); "
                        + "keep using the variable, or use a shadow variable for new state");
            }
        }
        for (Symbol o : orig.file.symbols()) {
            if (!o.isFunction() || o.section() == null) continue;
            Symbol p = c.patchedOf(o);
            if (p == null || p.section() == null || cmp.status(p) != Status.CHANGED) continue;
            // GCC may move the use into a .cold/.part piece of the function.
            List<Ref> pRefs = new ArrayList<>(patched.refs(p.section(), patched.extentStart(p), patched.extentEnd(p)));
            for (Symbol q : patched.file.symbols()) {
                if (q != p && q.isFunction() && q.section() != null && p.name().equals(SymbolNames.subfunctionParent(q.name()))) {
                    pRefs.addAll(patched.refs(q.section(), patched.extentStart(q), patched.extentEnd(q)));
                }
            }
            for (Ref r : orig.refs(o.section(), orig.extentStart(o), orig.extentEnd(o))) {
                Symbol v = r.target();
                if (v == null || !SymbolNames.isStaticLocal(v)) continue;
                String base = SymbolNames.mangled(v.name());
                boolean still = false;
                for (Ref q : pRefs) {
                    Symbol w = q.target();
                    if (w != null && SymbolNames.isStaticLocal(w) && SymbolNames.mangled(w.name()).equals(base)) still = true;
                }
                if (!still) {
                    reasons.add(p.name() + ": no longer references static local variable " + v.name()
                            + "; a patched function must keep using the running kernel's copy (or use a shadow variable for new state)");
                    break;
                }
            }
        }
    }

    /**
     * A section without functions or objects (compiler tables, sanitizer data, asm fragments)
     * is only reachable through the code that references it: if it changed and nothing the patch
     * carries uses it, the change would be silently dropped.
     */
    private void anonymousSections() {
        for (Section ps : patched.file.sections()) {
            Section os = c.origOf(ps);
            if (os == null || !ps.isAlloc() || inc.isKept(ps) || !anonymous(patched, ps) || !anonymous(orig, os)) continue;
            // Mergeable constants and strings compare by value wherever they are used, so a change
            // in such a section that no carried code uses cannot matter.
            if (SymbolNames.isStringSection(ps) || ps.hasFlag(dev.klp4j.elf.Elf.SHF_MERGE)
                    || ps.name().equals(".rodata") || Directives.isDirectiveSection(ps)
                    || ps.name().startsWith(".discard") || special.isSpecial(ps) || SymbolNames.isExempt(ps)) continue;
            if (cmp.directives.ignored(ps) || cmp.sameSection(os, ps)) continue;
            if (ps.name().startsWith(".pci_fixup_")) {
                // DECLARE_PCI_FIXUP_HEADER/ENABLE/RESUME...: entries of a table the linker gathers in
                // vmlinux, which the PCI core walks when it sets a device up; nothing reads a module's copy.
                reasons.add(ps.name() + ": PCI quirk entries added or changed (DECLARE_PCI_FIXUP_*): the PCI core reads them from "
                        + "vmlinux's own fixup table when it enumerates, enables or resumes a device, so a live patch cannot add them; "
                        + "they take a reboot (or apply the quirk from a patch callback)");
                continue;
            }
            reasons.add(ps.name() + ": changed, but no function the patch carries uses it, so the change would be lost; "
                    + "change the functions that use it instead");
        }
    }

    /**
     * Runtime constants (6.11+: {@code runtime_const_ptr(dentry_hashtable)}, {@code USER_PTR_MAX}):
     * the compiler emits a placeholder immediate (0x0123456789abcdef, a shift of 12) and a
     * {@code runtime_ptr_SYM}/{@code runtime_shift_SYM} list of its sites, which the kernel
     * rewrites in vmlinux's text once, at boot. A carried copy of such code would run with the
     * placeholder: a wild pointer. klp4j compiles runtime constants as plain reads of the variable
     * (klp4j-runtime-const.h, which kbuild's ObjectCompiler forces in), so a site here means that did
     * not happen (a header of its own, assembly): refuse.
     */
    private void bootTimeConstants() {
        for (Section ps : patched.file.sections()) {
            String name = ps.name();
            if (!ps.isAlloc() || !(name.startsWith("runtime_ptr_") || name.startsWith("runtime_shift_"))) continue;
            java.util.Set<String> users = new java.util.TreeSet<>();
            for (Ref r : patched.refs(ps)) {
                Symbol t = r.target();
                if (t != null && t.section() != null && t.section().isText() && inc.isKept(t.section())) {
                    Symbol user = Correlator.userOf(patched, t.section(), r.designated());
                    users.add(user != null ? user.name() : t.section().name());
                }
            }
            for (String user : users) {
                reasons.add(user + ": uses the runtime constant " + name.substring(name.indexOf('_', "runtime_".length()) + 1)
                        + ", which the kernel writes into vmlinux's code at boot only, so the patch's copy would run with"
                        + " the compiler's placeholder; it takes a reboot (or keep the change out of code that uses it)");
            }
        }
    }

    /**
     * A global data object the patched source no longer defines is still used by the rest of the
     * running kernel, which the patch does not change.
     */
    private void removedGlobalData() {
        for (Symbol o : orig.file.symbols()) {
            if (!o.isObject() || o.isLocal() || o.section() == null || c.hasPatched(o)) continue;
            if (!o.section().isAlloc() || SymbolNames.isExempt(o.section()) || SymbolNames.isInitSection(o.section())
                    || Directives.isDirective(o) || SymbolNames.isSpecialStatic(o)) continue;
            reasons.add(o.name() + ": global data removed by the patch, but the rest of the running kernel may still use it; "
                    + "keep the definition (a patch cannot remove data), and stop using it in the patched functions");
        }
    }

    private static boolean anonymous(ObjectIndex idx, Section s) {
        for (Symbol sym : idx.symbolsIn(s)) if (sym.isFunction() || sym.isObject()) return false;
        return true;
    }
}
