package dev.klp4j.pipeline;

import dev.klp4j.diff.DiffResult;
import java.util.List;

/**
 * One patched object in the --json report; {@code diffStatus} is always PATCH (kept for the
 * report's field).
 */
public record ObjectReport(String object, String owner, DiffResult.Outcome diffStatus, List<String> changed, List<String> added,
                           List<String> klpSymbols) {
    public ObjectReport {
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        klpSymbols = List.copyOf(klpSymbols);
    }
}
