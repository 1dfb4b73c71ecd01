package dev.klp4j.diff;

import java.util.List;
import java.util.Map;

/**
 * The outcome of one diff.
 *
 * @param outcome         whether there is a patch object, a refusal or nothing to patch
 * @param changed         functions that exist in the original and must be redirected
 * @param added           functions the patch adds
 * @param newData         data objects the patch adds
 * @param specialEntries  per special section, how many entries were kept
 * @param reasons         why the change was refused, one line each (empty unless REFUSED)
 * @param patch           the patch object when the outcome is PATCH, else null
 */
public record DiffResult(Outcome outcome, List<String> changed, List<String> added, List<String> newData,
                         Map<String, Integer> specialEntries, List<String> reasons, PatchObject patch) {

    /** What a diff decided; the CLI maps it to the exit status (not to be confused with the per-symbol {@code Status}). */
    public enum Outcome {
        /** A patch object was made. */
        PATCH,
        /** The change cannot be live patched; {@code reasons} says why. */
        REFUSED,
        /** Nothing to patch: no changed function, no new global, no callbacks. */
        NO_CHANGE
    }

    public DiffResult {
        java.util.Objects.requireNonNull(outcome, "outcome");
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        newData = List.copyOf(newData);
        specialEntries = Map.copyOf(specialEntries);
        reasons = List.copyOf(reasons);
        if ((outcome == Outcome.PATCH) != (patch != null)) throw new IllegalArgumentException("the patch object must be present exactly when the outcome is PATCH");
    }
}
