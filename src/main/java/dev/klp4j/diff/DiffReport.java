package dev.klp4j.diff;

import java.util.List;
import java.util.Map;

/** The serializable summary of a {@link DiffResult} (what {@code --json} prints). */
@com.fasterxml.jackson.annotation.JsonPropertyOrder({"exit", "changed", "new", "newData", "specialEntries", "reasons"})
public record DiffReport(int exit, List<String> changed,
                         @com.fasterxml.jackson.annotation.JsonProperty("new") List<String> added, List<String> newData,
                         Map<String, Integer> specialEntries, List<String> reasons) {
}
