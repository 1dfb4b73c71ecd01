package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's tables of per-call-site entries (bug table, exception table, jump labels,
 * alternatives, ORC, ...). Each is an array of fixed-size entries whose relocations point at code;
 * the patch object gets a new table holding only the entries that point into kept functions.
 * {@code .orc_unwind} is kept in step with {@code .orc_unwind_ip}; {@code .modinfo} keeps only its
 * {@code import_ns=} strings.
 *
 * <p>One class for all tables, at some length, because they share one algorithm (cut into entries,
 * keep those whose key points into a kept function, rebuild the relocations); each table adds only
 * its entry size and a special case or two, which read best beside the others.
 */
final class SpecialSections {
    /** A rebuilt table: the original section (for its attributes), the kept bytes and references. */
    record Rebuilt(Section source, byte[] data, List<Ref> refs, List<Long> refOffsets, int entries, Section linkTo,
                   List<Move> moves) {
        Rebuilt(Section source, byte[] data, List<Ref> refs, List<Long> refOffsets, int entries, Section linkTo) {
            this(source, data, refs, refOffsets, entries, linkTo, List.of());
        }

        /** A stretch of the source section and where it starts in the rebuilt one. */
        record Move(Extent from, long to) {}

        /** Where offset {@code at} of the source section went, or -1 if it was dropped; identity for tables. */
        long moved(long at) {
            if (moves.isEmpty()) return at;
            for (Move m : moves) if (m.from().contains(at)) return m.to() + at - m.from().start();
            return -1;
        }
    }

    /** A table of per-call-site entries (this class rebuilds it): its references are bookkeeping, not uses. */
    static boolean isTable(Section s) {
        // .orc_unwind is no table of its own here: it follows .orc_unwind_ip entry for entry.
        return SpecialTable.of(s.name()).filter(t -> t != SpecialTable.ORC_UNWIND).isPresent();
    }

    /** Anonymous code that table entries point into, rebuilt fragment by fragment. */
    static boolean isFragmentSection(Section s) {
        return s.name().equals(".fixup");
    }

    private final ObjectIndex patched;
    private final StructSizes sizes;
    /** On x86_64 the output gets a fresh __mcount_loc (see {@link FentryCalls}) instead of a filtered one. */
    private final boolean freshMcount;

    SpecialSections(ObjectIndex patched, StructSizes sizes) {
        this.patched = patched;
        this.sizes = sizes;
        this.freshMcount = FentryCalls.x86(patched);
    }

    /**
     * {@code .printk_index} holds pointers to {@code struct pi_entry} (one 8-byte relocated slot
     * each) in the kernels that introduced it; a table of the structs themselves uses the
     * printk_index struct size.
     */
    private int printkIndexEntrySize(Section s) {
        List<Ref> refs = patched.refs(s);
        if (s.size() % 8 == 0 && refs.size() == s.size() / 8) {
            boolean pointers = true;
            for (int i = 0; i < refs.size(); i++) if (refs.get(i).offset() != 8L * i) pointers = false;
            if (pointers) return 8;
        }
        return SpecialTable.PRINTK_INDEX.entrySize(sizes);
    }

    /** Entry size of a special table, or 0 if the section is not one (see {@link SpecialTable}). */
    int entrySize(Section s) {
        if (!isTable(s)) return 0;
        SpecialTable t = SpecialTable.of(s.name()).orElseThrow();
        return switch (t) {
            case PRINTK_INDEX -> printkIndexEntrySize(s);
            case MCOUNT_LOC -> freshMcount ? 0 : t.entrySize(sizes);
            default -> t.entrySize(sizes);
        };
    }

    /** Linux 6.5+: EXPORT_SYMBOL's records, which modpost turns into the module's ksymtab. */
    static final String EXPORTS = ".export_symbol";
    private static final String EXPORT_LABEL = "__export_symbol_";

    /**
     * {@code .export_symbol} holds one record per EXPORT_SYMBOL of the object: a local label
     * {@code __export_symbol_NAME}, the license and namespace strings, and an 8-byte reference to
     * NAME. modpost reads the records of a module's objects and gives the module a ksymtab entry
     * for each. Only the records of symbols the patch adds stay: an existing export is the running
     * kernel's, and a second one would stop the patch module from loading ("exports duplicate
     * symbol"). The labels move with their records ({@link Rebuilt#moves}).
     */
    private Rebuilt exports(Section sec, java.util.function.Predicate<Symbol> added) {
        List<Symbol> labels = new ArrayList<>();
        for (Symbol l : patched.symbolsIn(sec)) if (l.name().startsWith(EXPORT_LABEL)) labels.add(l);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Ref> kept = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Rebuilt.Move> moves = new ArrayList<>();
        for (int i = 0; i < labels.size(); i++) {
            long start = labels.get(i).value(), end = i + 1 < labels.size() ? labels.get(i + 1).value() : sec.size();
            List<Ref> refs = patched.refs(sec, start, end);
            boolean keep = false;
            for (Ref r : refs) if (r.target() != null && added.test(r.target())) keep = true;
            if (!keep || end <= start) continue;
            long newStart = bytes.size();
            bytes.write(sec.data(), (int) start, (int) (end - start));
            moves.add(new Rebuilt.Move(new Extent(start, end), newStart));
            for (Ref r : refs) {
                kept.add(r);
                offsets.add(newStart + r.offset() - start);
            }
        }
        return moves.isEmpty() ? null : new Rebuilt(sec, bytes.toByteArray(), kept, offsets, moves.size(), null, moves);
    }

    /**
     * Keeps the fragments of {@code sec} (e.g. the {@code .fixup} stubs of exception-table
     * entries) that the given references point at, in their original order.
     */
    private Rebuilt fragments(Section sec, List<Ref> users) {
        java.util.TreeMap<Long, Extent> frags = new java.util.TreeMap<>();
        for (Ref u : users) {
            Symbol t = u.reloc().symbol();
            if (t == null || t.section() != sec || !t.isSectionSymbol()) continue;
            Extent f = patched.fragment(sec, u.designated());
            if (f.length() > 0) frags.putIfAbsent(f.start(), f);
        }
        if (frags.isEmpty()) return null;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Ref> kept = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        List<Rebuilt.Move> moves = new ArrayList<>();
        long covered = -1;
        for (Extent f : frags.values()) {
            long start = Math.max(f.start(), covered);
            if (start >= f.end()) continue;
            long newStart = bytes.size();
            bytes.write(sec.data(), (int) start, (int) (f.end() - start));
            moves.add(new Rebuilt.Move(new Extent(start, f.end()), newStart));
            for (Ref r : patched.refs(sec, start, f.end())) {
                kept.add(r);
                offsets.add(newStart + r.offset() - start);
            }
            covered = f.end();
        }
        return new Rebuilt(sec, bytes.toByteArray(), kept, offsets, moves.size(), null, moves);
    }

    /**
     * A printk index entry is a pointer to a {@code struct pi_entry} whose {@code func} field
     * points at the {@code __func__} string of the function that prints: the entry belongs to a
     * kept function when one of the strings it points to is that function's name.
     */
    private boolean namesKeptFunction(Symbol entry, java.util.Set<String> names) {
        for (Ref r : patched.refs(entry.section(), patched.extentStart(entry), Math.max(patched.extentEnd(entry), patched.extentStart(entry) + 1))) {
            if (names(r, names)) return true;
        }
        return false;
    }

    /** Whether a reference points at a C string that is the name of a kept function. */
    private static boolean names(Ref r, java.util.Set<String> names) {
        String str = r.literal() == null ? null : r.literal().text();
        Symbol t = r.target();
        if (str == null && t != null && t.section() != null && t.section().type() != dev.klp4j.elf.Elf.SHT_NOBITS) {
            byte[] d = t.section().data();
            long at = t.isSectionSymbol() ? r.addend() : t.value() + r.addend();
            if (at >= 0 && at < d.length) {
                int end = (int) at;
                while (end < d.length && d[end] != 0) end++;
                str = new String(d, (int) at, end - (int) at, StandardCharsets.ISO_8859_1);
            }
        }
        return str != null && names.contains(str);
    }

    /**
     * Jump labels (code, target, key) work in a patch module only when their static key lives in
     * vmlinux, or in the patch module itself (a key the patch adds: the kernel sets up the module's
     * own keys and entries together when it loads it): a patched module's keys may be initialized
     * after the patch's relocations are applied. When patching a module, an entry whose key the
     * module itself defines is refused, except for tracepoints and dynamic-debug prints, which are
     * just left inert (the entry is dropped).
     */
    private boolean jumpLabelAllowed(List<Ref> refs, int first, long end) {
        if (objectName.equals("vmlinux")) return true;
        Ref key = null;
        int i = 0;
        for (int k = first; k < refs.size() && refs.get(k).offset() < end; k++, i++) if (i == 2) key = refs.get(k);
        Symbol t = key == null ? null : key.target();
        if (t == null || t.section() == null) return true; // defined elsewhere: cannot tell, assume vmlinux
        if (added.test(t)) return true; // a key the patch adds lives in the patch module
        boolean inert = t.name().startsWith("__tracepoint_") || t.section().name().equals("__dyndbg")
                || t.section().name().equals("__verbose");
        if (!inert) {
            Symbol code = first < refs.size() ? refs.get(first).target() : null;
            String where = code != null && code.isFunction() ? code.name() + ": " : "";
            problems.add(where + "jump label on static key " + t.name() + ", which lives in module " + objectName
                    + ": jump labels in a patch need keys in vmlinux; use static_key_enabled() instead");
        }
        return false;
    }

    private String objectName = "vmlinux";
    private final java.util.Set<String> problems = new java.util.LinkedHashSet<>();

    SpecialSections object(String name) {
        this.objectName = name;
        return this;
    }

    /** What the patch adds (not in the original object): a static key of these is the patch module's own. */
    private java.util.function.Predicate<Symbol> added = s -> false;

    SpecialSections added(java.util.function.Predicate<Symbol> isNew) {
        this.added = isNew;
        return this;
    }

    /** What the tables of kept functions hold that a patch cannot carry. */
    List<String> problems() {
        return new ArrayList<>(problems);
    }

    boolean isSpecial(Section s) {
        return isFragmentSection(s) || entrySize(s) > 0 || s.name().equals(".orc_unwind") || s.name().equals(".modinfo")
                || s.name().equals(EXPORTS);
    }

    /**
     * Rebuilds every special table of the patched object, keeping the entries with a reference into
     * one of {@code functionSections}; tables left empty are omitted.
     */
    Map<Section, Rebuilt> rebuild(java.util.function.Predicate<Section> functionSection, java.util.Set<String> keptFunctionNames,
                                  java.util.Collection<Section> keptSections, java.util.function.Predicate<Symbol> added) {
        Map<Section, Rebuilt> out = new LinkedHashMap<>();
        Section exports = patched.file.section(EXPORTS).orElse(null);
        if (exports != null) {
            Rebuilt r = exports(exports, added);
            if (r != null) out.put(exports, r);
        }
        Section orcIp = null;
        List<Integer> orcKept = null;
        for (Section s : patched.file.sections()) {
            int size = entrySize(s);
            if (size == 0) continue;
            List<Ref> refs = patched.refs(s);
            if (refs.isEmpty()) continue;
            boolean printkIndex = s.name().equals(".printk_index");
            boolean jumpTable = s.name().equals("__jump_table");
            byte[] d = s.data();
            // The last entry may lack its tail padding: it still counts as an entry.
            int n = (int) ((s.size() + size - 1) / size);
            List<Integer> keep = new ArrayList<>();
            int ri = 0;
            for (int e = 0; e < n; e++) {
                long start = (long) e * size;
                long end = Math.min(start + size, s.size());
                boolean hit = false;
                while (ri < refs.size() && refs.get(ri).offset() < start) ri++;
                for (int k = ri; k < refs.size() && refs.get(k).offset() < end; k++) {
                    Symbol t = refs.get(k).target();
                    if (t != null && t.section() != null && functionSection.test(t.section())) hit = true;
                    if (printkIndex && t != null && t.section() != null
                            && (names(refs.get(k), keptFunctionNames) || namesKeptFunction(t, keptFunctionNames))) hit = true;
                }
                if (hit && jumpTable && !jumpLabelAllowed(refs, ri, end)) hit = false;
                if (hit) keep.add(e);
            }
            if (keep.isEmpty()) continue;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            List<Ref> kept = new ArrayList<>();
            List<Long> offsets = new ArrayList<>();
            Section link = null;
            for (int e : keep) {
                long start = (long) e * size;
                int len = (int) Math.min(size, d.length - start);
                long newStart = bytes.size();
                if (len > 0) bytes.write(d, (int) start, len);
                for (Ref r : refs) {
                    if (r.offset() >= start && r.offset() < start + size) {
                        kept.add(r);
                        offsets.add(newStart + r.offset() - start);
                        Symbol t = r.target();
                        if (link == null && t != null && t.section() != null && functionSection.test(t.section())) link = t.section();
                    }
                }
            }
            // SHF_LINK_ORDER tables (__patchable_function_entries) point at a kept function's section.
            if (!s.hasFlag(dev.klp4j.elf.Elf.SHF_LINK_ORDER)) link = null;
            out.put(s, new Rebuilt(s, bytes.toByteArray(), kept, offsets, keep.size(), link));
            if (s.name().equals(".orc_unwind_ip")) {
                orcIp = s;
                orcKept = keep;
            }
        }
        if (orcIp != null) {
            Section orc = patched.file.section(".orc_unwind").orElse(null);
            int size = SpecialTable.ORC_UNWIND.entrySize(sizes);
            if (orc != null) {
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                for (int e : orcKept) {
                    if (orc.data().length >= (long) (e + 1) * size) bytes.write(orc.data(), e * size, size);
                }
                out.put(orc, new Rebuilt(orc, bytes.toByteArray(), List.of(), List.of(), orcKept.size(), null));
            }
        }
        for (Section fs : patched.file.sections()) {
            if (!isFragmentSection(fs)) continue;
            List<Ref> users = new ArrayList<>();
            for (Rebuilt r : out.values()) users.addAll(r.refs());
            for (Section k : keptSections) users.addAll(patched.refs(k));
            Rebuilt r = fragments(fs, users);
            if (r != null) out.put(fs, r);
        }
        Section modinfo = patched.file.section(".modinfo").orElse(null);
        if (modinfo != null) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int count = 0;
            byte[] d = modinfo.data();
            int i = 0;
            while (i < d.length) {
                int j = i;
                while (j < d.length && d[j] != 0) j++;
                String entry = new String(d, i, j - i, StandardCharsets.UTF_8);
                // Built-in code prefixes keys with its module name (proc.import_ns=X); the patch
                // is a module of its own, so the key is written without it.
                int at = entry.startsWith("import_ns=") ? 0 : entry.indexOf(".import_ns=") + 1;
                if (at >= 0 && entry.startsWith("import_ns=", at)) {
                    bytes.writeBytes(entry.substring(at).getBytes(StandardCharsets.UTF_8));
                    bytes.write(0);
                    count++;
                }
                i = j + 1;
            }
            if (count > 0) out.put(modinfo, new Rebuilt(modinfo, bytes.toByteArray(), List.of(), List.of(), count, null));
        }
        return out;
    }
}
