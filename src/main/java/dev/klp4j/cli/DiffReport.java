package dev.klp4j.cli;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import dev.klp4j.diff.DiffResult;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@code klp4j diff --json} prints: a {@link DiffResult} without the patch object, with its exit status;
 * {@code changed} and {@code added} as build's report names them.
 */
@JsonPropertyOrder({"exit", "changed", "added", "newData", "specialEntries", "reasons"})
record DiffReport(int exit, List<String> changed, List<String> added, List<String> newData,
                  Map<String, Integer> specialEntries, List<String> reasons) {

    static DiffReport of(DiffResult r) {
        return new DiffReport(ExitStatus.ofDiff(r.outcome()), r.changed(), r.added(), r.newData(),
                new TreeMap<>(r.specialEntries()), r.reasons());
    }
}
