package dev.klp4j.diff;

import java.util.List;
import java.util.Map;

/**
 * The outcome of one diff.
 *
 * @param status          {@link #OK} (output made), {@link #REFUSED} (cannot be live patched,
 *                        see {@code reasons}) or {@link #NO_CHANGE} (nothing to patch)
 * @param changed         functions that exist in the original and must be redirected
 * @param added           functions the patch adds
 * @param newData         data objects the patch adds
 * @param specialEntries  per special section, how many entries were kept
 * @param reasons         why the change was refused, one line each (empty unless REFUSED)
 * @param patch           the patch object when status is OK, else null
 */
public record DiffResult(int status, List<String> changed, List<String> added, List<String> newData,
                         Map<String, Integer> specialEntries, List<String> reasons, PatchObject patch) {
    public static final int OK = 0;
    public static final int REFUSED = 2;
    public static final int NO_CHANGE = 3;

    public DiffResult {
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        newData = List.copyOf(newData);
        specialEntries = Map.copyOf(specialEntries);
        reasons = List.copyOf(reasons);
        if ((status == OK) != (patch != null)) throw new IllegalArgumentException("the patch object must be present exactly when status is OK");
    }

    /** The JSON report printed by {@code klp4j diff --json}. */
    public DiffReport report() {
        return new DiffReport(status, changed, added, newData, new java.util.TreeMap<>(specialEntries), reasons);
    }
}
