package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Symbol;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The symbols of one running object (vmlinux or a module) in kallsyms order, from a System.map,
 * a /proc/kallsyms dump (lines "ADDR TYPE NAME [MODULE]"), or a module's symbol table.
 *
 * <p>{@link #sympos} gives the position the livepatch core needs for a name: the kernel counts
 * matches in kallsyms order (klp_find_object_symbol), so the position is the 1-based index among
 * same-named symbols. A name defined several times (static functions in different files) is
 * resolved by where the file lays out its symbols ({@link FileOrder}), or else to the occurrence
 * whose neighbours are symbols of the same source file; if no single occurrence stands out the
 * result is an error, never a guess.
 */
public final class KernelSymbols {
    /** Neighbours looked at on each side of an occurrence. */
    static final int WINDOW = 24;

    /** One map entry. {@code type} is nm's letter (T, t, D, d, B, b, R, r, ...). */
    public record Entry(long address, char type, String name) {
        public boolean isLocal() { return Character.isLowerCase(type); }
    }

    private final String object;
    private final List<Entry> entries;
    private final Map<String, List<Integer>> byName = new HashMap<>();
    private final Set<String> imports;
    /**
     * Whether the entries are a module's symbol table as ld wrote it: the locals of each object
     * file in one run, in that file's own order; otherwise they are in address order (System.map,
     * kallsyms), where a file's text, data and the rest lie apart.
     */
    private final boolean fileRuns;

    public KernelSymbols(String object, List<Entry> entries) {
        this(object, entries, Set.of(), false);
    }

    /**
     * {@code imports}: the globals a module's file leaves undefined, which the loader takes from
     * vmlinux or other modules; {@code fileRuns}: see the field.
     */
    public KernelSymbols(String object, List<Entry> entries, Set<String> imports, boolean fileRuns) {
        this.object = object;
        this.fileRuns = fileRuns;
        this.imports = Set.copyOf(imports);
        this.entries = List.copyOf(entries);
        for (int i = 0; i < this.entries.size(); i++) byName.computeIfAbsent(this.entries.get(i).name(), k -> new ArrayList<>()).add(i);
    }

    public String object() { return object; }

    /** Whether the module's own code uses {@code name} from elsewhere: loaded, it has the exporter loaded too. */
    public boolean imports(String name) { return imports.contains(name); }
    public List<Entry> entries() { return entries; }

    /**
     * Parses a System.map or kallsyms dump. Lines with a [module] column are kept only when
     * {@code module} names that module; otherwise only vmlinux lines (no column) are kept.
     */
    public static KernelSymbols parseMap(String object, List<String> lines, String module) {
        List<Entry> out = new ArrayList<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isBlank()) continue;
            String[] f = line.trim().split("\\s+");
            if (f.length < 3 || f[1].length() != 1) throw new Failure("line " + n + " is not 'ADDRESS TYPE NAME': " + line);
            String mod = f.length >= 4 && f[3].startsWith("[") ? f[3].substring(1, f[3].length() - 1) : null;
            if (module == null ? mod != null : !module.equals(mod)) continue;
            long addr;
            try {
                addr = Long.parseUnsignedLong(f[0], 16);
            } catch (NumberFormatException e) {
                throw new Failure("line " + n + ": bad address '" + f[0] + "'");
            }
            out.add(new Entry(addr, f[1].charAt(0), f[2]));
        }
        return new KernelSymbols(object, out);
    }

    public static KernelSymbols readMap(String object, Path file, String module) {
        try {
            List<String> lines = Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1);
            if (lines.size() < 100 && String.join("\n", lines).contains("The real System.map is in")) {
                throw new Failure(file + " is Debian's placeholder, not a symbol map (the real one is in the -dbg package); "
                        + "pass --symbols with a System.map or a /proc/kallsyms dump of this kernel");
            }
            KernelSymbols s = parseMap(object, lines, module);
            if (s.entries.isEmpty()) throw new Failure(file + ": no symbols" + (module != null ? " of module " + module : ""));
            return s;
        } catch (IOException e) {
            throw new Failure(file + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * The symbols of a module as its loaded copy lists them: the symbol table's entries the module
     * loader keeps (kernel/module/kallsyms.c is_core_symbol: named, defined in an SHF_ALLOC section
     * that is not an .init one), in symbol-table order.
     */
    public static KernelSymbols fromModule(String object, ElfFile ko) {
        List<Entry> out = new ArrayList<>();
        Set<String> imports = new HashSet<>();
        for (Symbol s : ko.symbols()) {
            if (!s.name().isEmpty() && s.section() == null && s.shndx() == 0 && !s.isLocal()) imports.add(s.name()); // SHN_UNDEF
            if (s.name().isEmpty() || s.isSectionSymbol() || s.isFileSymbol() || s.section() == null) continue;
            if (!s.section().isAlloc() || s.section().name().startsWith(".init")) continue;
            char t = s.isFunction() ? 't' : 'd';
            out.add(new Entry(s.value(), s.isLocal() ? t : Character.toUpperCase(t), s.name()));
        }
        return new KernelSymbols(object, out, imports, true);
    }

    public int count(String name) {
        return byName.getOrDefault(name, List.of()).size();
    }

    public boolean contains(String name) {
        return count(name) > 0;
    }

    /**
     * The kallsyms position (1-based) of {@code name}, choosing among duplicates by
     * {@code fileSymbols}: the names the source file's own object defines.
     */
    public int sympos(String name, Set<String> fileSymbols) {
        return sympos(name, fileSymbols, FileOrder.NONE);
    }

    /**
     * The kallsyms position (1-based) of {@code name}, choosing among duplicates by where the file
     * lays its symbols out ({@code order}, see {@link #byFileOrder}), which follows from how ld
     * writes a module's table and lays out vmlinux; otherwise by {@code fileSymbols}, the names the
     * source file's object defines, near the occurrence: a guess that a run's edge misleads
     * (amdgpu's dcn32_resource.o begins 9 entries after another display file's res_create_funcs,
     * which had the most dcn32 names near it; vmlinux's second pmd_pgtable_page, khugepaged.c's,
     * has more of huge_memory.c's names near it than huge_memory.c's own).
     */
    public int sympos(String name, Set<String> fileSymbols, FileOrder order) {
        List<Integer> at = byName.get(name);
        if (at == null || at.isEmpty()) throw new Failure(name + ": not found in " + object + "'s symbols");
        if (at.size() == 1) return 1;
        int ordered = byFileOrder(name, fileRuns ? List.of(order.symtabLocals()) : order.addressRuns());
        if (ordered > 0) return ordered;
        int best = -1, bestScore = 0;
        boolean tie = false;
        List<String> scores = new ArrayList<>();
        for (int k = 0; k < at.size(); k++) {
            int score = neighbourScore(at.get(k), name, fileSymbols);
            if (score > 0) scores.add("#" + (k + 1) + "=" + score);
            if (score > bestScore) { best = k; bestScore = score; tie = false; }
            else if (score == bestScore && score > 0) tie = true;
        }
        if (best < 0 || tie) {
            throw new Failure(name + " is defined " + at.size() + " times in " + object + " and its neighbours do not tell which one "
                    + "belongs to this source file (" + (scores.isEmpty() ? "none has this file's symbols as neighbours"
                    : "occurrences with this file's symbols as neighbours: " + String.join(", ", scores)) + ")");
        }
        return best + 1;
    }

    /**
     * The position of {@code name} told by the file's own order, or 0. Each run lists some of the
     * file's symbols in the order this object has them, with nothing of other files in between
     * (a module: the file's locals; vmlinux: its symbols of one region, by address). So between two
     * of a run's symbols that are each defined once here (anchors) lies the file's own occurrence of
     * a name: the first one after the nearest anchor before it in the run, or the last one before
     * the nearest anchor after it.
     */
    private int byFileOrder(String name, List<List<String>> runs) {
        for (List<String> run : runs) {
            int self = run.indexOf(name);
            if (self < 0) continue;
            if (run.lastIndexOf(name) != self) return 0;
            int before = -1, after = -1;
            for (int k = self - 1; k >= 0 && before < 0; k--) before = anchor(run.get(k));
            for (int k = self + 1; k < run.size() && after < 0; k++) after = anchor(run.get(k));
            if (before < 0 && after < 0 || before >= 0 && after >= 0 && before > after) return 0;
            List<Integer> at = byName.get(name);
            int pick = -1;
            if (before >= 0) {
                for (int k = 0; k < at.size() && pick < 0; k++) if (at.get(k) > before) pick = k;
            } else {
                for (int k = at.size() - 1; k >= 0 && pick < 0; k--) if (at.get(k) < after) pick = k;
            }
            return pick < 0 || after >= 0 && at.get(pick) > after ? 0 : pick + 1;
        }
        return 0;
    }

    /**
     * The index of a symbol defined once in this object, or -1; in a module's table only a local
     * (its globals follow all locals, away from the file's run).
     */
    private int anchor(String name) {
        List<Integer> at = byName.get(name);
        return at != null && at.size() == 1 && (!fileRuns || entries.get(at.get(0)).isLocal()) ? at.get(0) : -1;
    }

    /**
     * The position of the one global (upper-case type) definition of {@code name}, for a reference
     * to a global that a static elsewhere shares the name of; 0 if there is not exactly one.
     */
    public int globalPosition(String name) {
        List<Integer> at = byName.getOrDefault(name, List.of());
        int found = 0;
        for (int k = 0; k < at.size(); k++) {
            if (!entries.get(at.get(k)).isLocal()) {
                if (found != 0) return 0;
                found = k + 1;
            }
        }
        return found;
    }

    /** How many of the file's own, otherwise unique, symbols sit within {@link #WINDOW} entries of the occurrence. */
    private int neighbourScore(int index, String name, Set<String> fileSymbols) {
        Set<String> seen = new HashSet<>();
        for (int d = -WINDOW; d <= WINDOW; d++) {
            int i = index + d;
            if (d == 0 || i < 0 || i >= entries.size()) continue;
            String n = entries.get(i).name();
            // Only names defined once in the whole object identify the file; shared names (__func__.0, ...) do not.
            if (!n.equals(name) && fileSymbols.contains(n) && count(n) == 1) seen.add(n);
        }
        return seen.size();
    }
}
