package dev.klp4j.pipeline;

import dev.klp4j.base.Failure;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import dev.klp4j.klp.FileOrder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The differ as the pipeline uses it: original + patched object in, the patch object out in
 * memory, through {@link Differ} in this JVM. Thread-safe: the pipeline diffs all changed objects
 * in parallel.
 */
public final class ObjectDiffer {
    /**
     * One object's diff, the names its original defines and how it lays them out: the symbol step
     * picks among kallsyms occurrences of a name by these, so the original is read once, here.
     */
    public record Outcome(DiffResult result, Set<String> originalDefinitions, FileOrder originalOrder) {
        public Outcome {
            originalDefinitions = Set.copyOf(originalDefinitions);
        }

        public Outcome(DiffResult result, Set<String> originalDefinitions) {
            this(result, originalDefinitions, FileOrder.NONE);
        }
    }

    public Outcome diff(Path orig, Path patched, DiffOptions options) {
        ElfFile o = read(orig);
        ElfFile p = read(patched);
        // Objects are read whole above; anything the differ throws is a bug in klp4j, reported as one by Main.
        DiffResult r = Differ.diff(o, p, options);
        return new Outcome(r, definitions(o), order(o));
    }

    private static Set<String> definitions(ElfFile f) {
        Set<String> names = new HashSet<>();
        for (Symbol s : f.symbols()) if (s.section() != null && !s.name().isEmpty() && !s.isSectionSymbol()) names.add(s.name());
        return names;
    }

    /**
     * Where the object's symbols lie once linked: its locals as a loaded module lists them (see
     * KernelSymbols.fromModule: named, in an allocated section that is not .init) in symbol-table
     * order, and its symbols per vmlinux region in section order (by offset within a section).
     */
    private static FileOrder order(ElfFile f) {
        List<String> locals = new ArrayList<>();
        Map<String, List<Symbol>> regions = new LinkedHashMap<>();
        for (Symbol s : f.symbols()) {
            if (s.name().isEmpty() || s.isSectionSymbol() || s.isFileSymbol() || s.section() == null || !s.section().isAlloc()) continue;
            if (s.isLocal() && !s.section().name().startsWith(".init")) locals.add(s.name());
            regions.computeIfAbsent(FileOrder.region(s.section().name()), k -> new ArrayList<>()).add(s);
        }
        Map<Section, Integer> index = new IdentityHashMap<>();
        for (Section s : f.sections()) index.put(s, index.size());
        List<List<String>> runs = new ArrayList<>();
        for (List<Symbol> region : regions.values()) {
            region.sort(Comparator.comparingInt((Symbol s) -> index.get(s.section())).thenComparingLong(Symbol::value));
            runs.add(region.stream().map(Symbol::name).toList());
        }
        return new FileOrder(locals, runs);
    }

    private static ElfFile read(Path path) {
        try {
            return ElfReader.read(path);
        } catch (ElfFormatException e) {
            throw new Failure(Failure.Kind.TOOL, path + ": " + e.getMessage());
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, path + ": cannot read: " + e.getMessage());
        }
    }
}
