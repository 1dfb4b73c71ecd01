package dev.klp4j.source;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One preprocessed file (kbuild's {@code OBJ.i}) cut into its constructs once, for every question
 * asked of it. An update's header batch asks dozens of questions of the same object (one per
 * changed header that reaches it), and cutting a network object's 5 MB into 30,000 constructs
 * costs far more than any one question, so the cut and its indexes are kept here.
 */
public final class PreprocessedUnit {
    private final List<CSource.Construct> constructs;
    private Map<String, List<CSource.Construct>> declarationsMentioning;
    private Set<String> emittedIdentifiers;

    private PreprocessedUnit(List<CSource.Construct> constructs) {
        this.constructs = List.copyOf(constructs);
    }

    /** The preprocessed file {@code i}, cut. */
    public static PreprocessedUnit read(Path i) {
        try {
            return of(Files.readString(i, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot read " + i + ": " + e.getMessage());
        }
    }

    static PreprocessedUnit of(String text) {
        return new PreprocessedUnit(CSource.constructs(text));
    }

    List<CSource.Construct> constructs() {
        return constructs;
    }

    /** Identifier -> the constructs that declare something (and emit nothing) and mention it. */
    Map<String, List<CSource.Construct>> declarationsMentioning() {
        if (declarationsMentioning == null) {
            Map<String, List<CSource.Construct>> m = new HashMap<>();
            for (CSource.Construct c : constructs) {
                if (c.emits() || c.declares().isEmpty()) continue;
                for (String id : c.identifiers()) m.computeIfAbsent(id, k -> new ArrayList<>()).add(c);
            }
            declarationsMentioning = m;
        }
        return declarationsMentioning;
    }

    /** Every identifier that code or data the compiler emits mentions. */
    Set<String> emittedIdentifiers() {
        if (emittedIdentifiers == null) {
            Set<String> s = new HashSet<>();
            for (CSource.Construct c : constructs) if (c.emits()) s.addAll(c.identifiers());
            emittedIdentifiers = s;
        }
        return emittedIdentifiers;
    }
}
