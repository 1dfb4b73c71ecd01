package dev.klp4j.pipeline;

import dev.klp4j.base.Failure;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The differ as the pipeline uses it: original + patched object in, the patch object out in
 * memory, through {@link Differ} in this JVM. Thread-safe: the pipeline diffs all changed objects
 * in parallel.
 */
public final class ObjectDiffer {
    /**
     * One object's diff, the names its original defines and its locals in symbol-table order: the
     * symbol step picks among kallsyms occurrences of a name by these, so the original is read
     * once, here.
     */
    public record Outcome(DiffResult result, Set<String> originalDefinitions, List<String> originalLocals) {
        public Outcome {
            originalDefinitions = Set.copyOf(originalDefinitions);
            originalLocals = List.copyOf(originalLocals);
        }

        public Outcome(DiffResult result, Set<String> originalDefinitions) {
            this(result, originalDefinitions, List.of());
        }
    }

    public Outcome diff(Path orig, Path patched, DiffOptions options) {
        ElfFile o = read(orig);
        ElfFile p = read(patched);
        // Objects are read whole above; anything the differ throws is a bug in klp4j, reported as one by Main.
        DiffResult r = Differ.diff(o, p, options);
        return new Outcome(r, definitions(o), locals(o));
    }

    private static Set<String> definitions(ElfFile f) {
        Set<String> names = new HashSet<>();
        for (Symbol s : f.symbols()) if (s.section() != null && !s.name().isEmpty() && !s.isSectionSymbol()) names.add(s.name());
        return names;
    }

    /**
     * The object's locals as a loaded module lists them (see KernelSymbols.fromModule: named, in an
     * allocated section that is not .init), in symbol-table order.
     */
    private static List<String> locals(ElfFile f) {
        List<String> names = new ArrayList<>();
        for (Symbol s : f.symbols()) {
            if (!s.isLocal() || s.name().isEmpty() || s.isSectionSymbol() || s.isFileSymbol() || s.section() == null) continue;
            if (s.section().isAlloc() && !s.section().name().startsWith(".init")) names.add(s.name());
        }
        return names;
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
