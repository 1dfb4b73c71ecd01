package dev.klp4j.pipeline;

import dev.klp4j.diff.DiffResult;
import java.util.List;

/**
 * One patched object in the --json report; {@code diff} is always PATCH (the report prints it as
 * {@code exit}, the status klp4j diff of that object exits with, as diff's own report names it).
 */
public record ObjectReport(String object, String owner, DiffResult.Outcome diff, List<String> changed, List<String> added,
                           List<String> klpSymbols) {
    public ObjectReport {
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        klpSymbols = List.copyOf(klpSymbols);
    }
}
