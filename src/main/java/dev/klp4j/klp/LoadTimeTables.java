package dev.klp4j.klp;

import dev.klp4j.diff.SpecialTable;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Keeps the patch module's special sections consistent with the moment the kernel reads them.
 *
 * <p>Livepatch relocations against a patched <em>module</em> ({@code .klp.rela.MOD.*}) are written
 * only when the livepatch core initializes that object (klp_init_object_loaded), long after the
 * patch module itself was loaded. Relocations against vmlinux are written by the module loader
 * before anything else reads the module (apply_relocations), and normal relocations too. But the
 * kernel reads several tables of the patch module <em>while loading it</em>, before that late
 * write (6.1: kernel/module/main.c load_module):
 * <ul>
 * <li>module_finalize (arch/x86/kernel/module.c): {@code .altinstructions} (copies bytes out of
 *     {@code .altinstr_replacement}), {@code .parainstructions}, {@code .retpoline_sites},
 *     {@code .return_sites}, {@code .smp_locks}, {@code .orc_unwind*}, {@code __ex_table}, and on
 *     kernels with call depth tracking {@code .call_sites} (which objtool writes at the module's
 *     link, so {@link #dropLateCallSites} cleans it in the linked module);</li>
 * <li>the MODULE_STATE_COMING notifiers: {@code __jump_table} (jump_label_add_module patches each
 *     site by its key's state), {@code .static_call_sites} (static_call_add_module reads each key
 *     and rewrites the call), {@code __tracepoints_ptrs};</li>
 * <li>load_module itself: {@code __ksymtab*}, {@code __bug_table}, {@code __dyndbg},
 *     {@code .printk_index}, {@code __mcount_loc} (ftrace), {@code .init_array}.</li>
 * </ul>
 * An entry of such a table whose relocation goes to a patched module would be read as zero: the
 * kernel then dereferences a key at a wrong address (the static_call_del_module and
 * __static_call_validate crashes). So such entries never reach the module:
 * <ul>
 * <li>a static call site is dropped: the call keeps calling the key's trampoline, which the kernel
 *     updates on every static_call_update, so it behaves the same, one jump slower;</li>
 * <li>a jump label of a tracepoint or of a dynamic-debug print is dropped: the branch keeps its
 *     compiled default, so the tracepoint (or pr_debug) stays off in the patched function;</li>
 * <li>anything else is refused with the reason (another static key: use static_key_enabled()).</li>
 * </ul>
 * Code and data sections may hold late relocations: nothing runs or reads them before the livepatch
 * core has written them.
 */
public final class LoadTimeTables {
    /** What was done: entries dropped (warnings) and references that make the patch impossible (refusals). */
    public record Outcome(List<String> dropped, List<String> refused) {}

    private LoadTimeTables() {}

    /**
     * Drops or refuses, in {@code out}, every load-time table entry that refers to a symbol which
     * {@code resolve} sends to a module's livepatch relocations. {@code resolve} sees each undefined
     * symbol the entry refers to.
     */
    public static Outcome apply(ElfFile out, Function<Symbol, SymbolResolver.Resolution> resolve, StructSizes sizes) {
        Set<String> dropped = new LinkedHashSet<>();
        Set<Symbol> orphans = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Set<String> refused = new LinkedHashSet<>();
        for (RelocationSection rs : new ArrayList<>(out.relocationSections())) {
            Section table = rs.target();
            if (table == null || rs.name().startsWith(KlpRelocations.RELA_PREFIX) || readLate(table)) continue;
            int size = droppableEntrySize(table, sizes);
            List<Long> late = new ArrayList<>();
            for (Relocation r : rs.relocations()) {
                String obj = lateObject(r.symbol(), resolve);
                if (obj == null) continue;
                if (size == 0) {
                    refused.add(table.name() + " refers to " + r.symbol().name() + " in module " + obj
                            + ": the kernel reads " + table.name() + " while loading the patch, before references into a module are"
                            + " resolved; change the patched function so it does not need it");
                    continue;
                }
                long entry = r.offset() / size;
                if (!late.contains(entry)) late.add(entry);
            }
            if (late.isEmpty()) continue;
            List<Long> drop = new ArrayList<>();
            for (long e : late) {
                Symbol key = keyOf(rs, e, size, resolve);
                String what = describe(table, key);
                if (what == null) {
                    refused.add("jump label on static key " + (key == null ? "?" : key.name()) + ", which lives in module "
                            + lateObject(key, resolve) + ": the kernel sets up a patch's jump labels before references into a"
                            + " module are resolved; use static_key_enabled() instead");
                } else {
                    drop.add(e);
                    dropped.add(what);
                    orphans.add(key);
                }
            }
            removeEntries(out, table, rs, drop, size);
        }
        // A key only dropped entries referred to must not stay behind as an undefined symbol.
        for (RelocationSection rs : out.relocationSections()) for (Relocation r : rs.relocations()) orphans.remove(r.symbol());
        out.symbols().removeAll(orphans);
        return new Outcome(new ArrayList<>(dropped), new ArrayList<>(refused));
    }

    /**
     * In the linked module: drops each {@code .call_sites} entry whose call goes through a livepatch
     * relocation into a patched module. On kernels with call depth tracking (6.2+, CALL_THUNKS),
     * objtool lists every direct call of the module in {@code .call_sites} at its link, and
     * module_finalize (callthunks_patch_module_calls) reads each call's destination while loading
     * the patch. A call into a module is not written yet then: its displacement is 0, so the kernel
     * sees a call to the next instruction, finds no padding before it and warns ("Invalid padding
     * area"). Without the entry the call goes straight to its target once the livepatch core writes
     * it, as the kernel does for any call it cannot redirect to a thunk: the depth counter then only
     * errs towards refilling the return stack buffer. Returns the number of entries dropped.
     */
    public static int dropLateCallSites(ElfFile ko) {
        Section table = ko.section(".call_sites").orElse(null);
        if (table == null) return 0;
        RelocationSection rs = ko.relocationSections().stream()
                .filter(r -> r.target() == table && !r.name().startsWith(KlpRelocations.RELA_PREFIX)).findFirst().orElse(null);
        if (rs == null) return 0;
        List<Long> drop = new ArrayList<>();
        for (Relocation r : rs.relocations()) {
            Symbol s = r.symbol();
            if (s == null || s.section() == null) continue;
            long call = s.value() + r.addend(); // the entry is ".long call - .": its target is the call itself
            if (writtenLate(ko, s.section(), call, call + 5)) drop.add(r.offset() / CALL_SITE_SIZE);
        }
        removeEntries(ko, table, rs, drop, CALL_SITE_SIZE);
        return drop.size();
    }

    /** A {@code .call_sites} entry: a 32-bit offset to the call instruction. */
    private static final int CALL_SITE_SIZE = 4;

    /** Whether a livepatch relocation into a module (not vmlinux, written at load) lies in [from, to) of {@code code}. */
    private static boolean writtenLate(ElfFile ko, Section code, long from, long to) {
        String vmlinux = KlpRelocations.RELA_PREFIX + "vmlinux.";
        for (RelocationSection k : ko.relocationSections()) {
            if (k.target() != code || !k.name().startsWith(KlpRelocations.RELA_PREFIX) || k.name().startsWith(vmlinux)) continue;
            for (Relocation r : k.relocations()) if (r.offset() >= from && r.offset() < to) return true;
        }
        return false;
    }

    /**
     * Sections nothing reads before the livepatch core writes their late relocations: code (except
     * alternative replacements, which module_finalize copies) and plain data.
     */
    static boolean readLate(Section s) {
        String n = s.name();
        if (s.isText()) return !n.startsWith(".altinstr_replacement");
        if (!s.isAlloc() || n.startsWith(".discard")) return true; // never loaded (the link drops .discard*)
        return n.matches("\\.(data|rodata|bss|ref\\.data|data\\.\\.[A-Za-z_]+)(\\..*)?");
    }

    /** Entry size of a table whose entries may be dropped one by one, else 0. */
    private static int droppableEntrySize(Section s, StructSizes sizes) {
        SpecialTable t = SpecialTable.of(s.name()).orElse(null);
        return t == SpecialTable.JUMP_LABELS || t == SpecialTable.STATIC_CALL_SITES ? t.entrySize(sizes) : 0;
    }

    /** The module whose livepatch relocations {@code s} would go through, or null if it is resolved at load. */
    private static String lateObject(Symbol s, Function<Symbol, SymbolResolver.Resolution> resolve) {
        if (s == null || !s.isUndefined() || s.name().isEmpty() || s.name().startsWith(KlpRelocations.SYM_PREFIX)) return null;
        SymbolResolver.Resolution r = resolve.apply(s);
        return r.isKlp() && !r.klpObject().equals("vmlinux") ? r.klpObject() : null;
    }

    /** The late symbol an entry refers to (a jump label's or static call's key). */
    private static Symbol keyOf(RelocationSection rs, long entry, int size, Function<Symbol, SymbolResolver.Resolution> resolve) {
        for (Relocation r : rs.relocations()) {
            if (r.offset() / size == entry && lateObject(r.symbol(), resolve) != null) return r.symbol();
        }
        return null;
    }

    /** The warning for a droppable entry, or null when the entry may not be dropped. */
    private static String describe(Section table, Symbol key) {
        String k = key == null ? "?" : key.name();
        if (table.name().equals(".static_call_sites")) {
            return "static call " + k + ": the call site goes through the trampoline (its key lives in a patched module)";
        }
        if (k.startsWith("__tracepoint_")) {
            return "tracepoint " + k.substring("__tracepoint_".length()) + " is off in the patched code (its static key lives in a patched module)";
        }
        if (k.startsWith("__UNIQUE_ID_ddebug") || k.startsWith("descriptor")) {
            return "dynamic debug print " + k + " is off in the patched code (its key lives in a patched module)";
        }
        return null;
    }

    /** Removes whole entries from a table and its relocations; an emptied table goes away. */
    private static void removeEntries(ElfFile out, Section table, RelocationSection rs, List<Long> drop, int size) {
        if (drop.isEmpty()) return;
        byte[] d = table.data();
        java.io.ByteArrayOutputStream kept = new java.io.ByteArrayOutputStream();
        long entries = (d.length + size - 1) / size;
        long[] shift = new long[(int) entries];
        long removed = 0;
        for (long e = 0; e < entries; e++) {
            shift[(int) e] = removed;
            if (drop.contains(e)) { removed += size; continue; }
            int from = (int) (e * size);
            kept.write(d, from, (int) Math.min(size, d.length - from));
        }
        List<Relocation> rels = new ArrayList<>();
        for (Relocation r : rs.relocations()) {
            long e = r.offset() / size;
            if (!drop.contains(e)) rels.add(r.withOffset(r.offset() - shift[(int) e]));
        }
        rs.relocations().clear();
        rs.relocations().addAll(rels);
        if (kept.size() == 0) {
            dropTable(out, table);
        } else {
            table.data(kept.toByteArray());
        }
    }

    /** Removes a table with its relocations, its symbols and the references to it. */
    private static void dropTable(ElfFile out, Section table) {
        out.sections().removeIf(s -> s == table || (s instanceof RelocationSection r && r.target() == table));
        out.symbols().removeIf(s -> s.section() == table);
        for (RelocationSection other : out.relocationSections()) {
            other.relocations().removeIf(r -> r.symbol() != null && r.symbol().section() == table);
        }
    }

    /** The tables objtool writes for an object it checks (6.12: ORC, return/call/retpoline/static call sites, ...). */
    static final List<String> OBJTOOL_TABLES = SpecialTable.objtoolTables();

    /**
     * Where objtool runs at the patch module's link (kernels with IBT or clang LTO, kbuild's
     * delay-objtool), it writes these tables for the whole module, but skips each one a linked
     * object already has. A patch object taken from an object objtool already checked (a
     * single-file module such as virtio_iommu) carries its own copies, and then klp4j's own
     * functions got none: module_finalize left their returns on the default return thunk ("Unpatched
     * return thunk in use" when the module unloads) and they had no ORC. So the copies go, and
     * objtool writes the tables for every function of the module. Returns the tables removed.
     */
    public static List<String> dropObjtoolTables(ElfFile patchObject) {
        List<String> dropped = new ArrayList<>();
        for (String name : OBJTOOL_TABLES) {
            Section t = patchObject.section(name).orElse(null);
            if (t == null) continue;
            dropTable(patchObject, t);
            dropped.add(name);
        }
        return dropped;
    }
}
