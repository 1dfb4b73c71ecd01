package dev.klp4j.pipeline;

import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.PatchObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The differ's verdict on every compiled object, in the objects' order. */
public record ObjectDiffs(Map<String, ObjectDiffer.Outcome> byObject) {
    public ObjectDiffs {
        byObject = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(byObject));
    }

    /** The verdicts on {@code objects} only (one fix of a batch). */
    public ObjectDiffs only(java.util.Collection<String> objects) {
        Map<String, ObjectDiffer.Outcome> out = new LinkedHashMap<>();
        byObject.forEach((k, v) -> { if (objects.contains(k)) out.put(k, v); });
        return new ObjectDiffs(out);
    }

    public DiffResult result(String object) {
        return byObject.get(object).result();
    }

    /** "OBJ: reason; reason" for every object the differ refused. */
    public List<String> refusals() {
        List<String> out = new ArrayList<>();
        byObject.forEach((obj, d) -> {
            if (d.result().outcome() == DiffResult.Outcome.REFUSED) out.add(obj + ": " + String.join("; ", d.result().reasons()));
        });
        return out;
    }

    public boolean noChange() {
        return byObject.values().stream().allMatch(d -> d.result().outcome() == DiffResult.Outcome.NO_CHANGE);
    }

    /**
     * Patch objects that run nothing: every one only adds functions or data, none redirects a
     * function, has a callback or exports one, so nothing would ever call the new code
     * (a rename whose callers are not in the patch; a helper whose users another change adds).
     */
    public boolean runsNothing() {
        Map<String, PatchObject> patches = patches();
        return !patches.isEmpty() && patches.values().stream().noneMatch(PatchObject::reachable);
    }

    /** The functions and data the patch adds, over all objects. */
    public List<String> added() {
        List<String> out = new ArrayList<>();
        byObject.values().forEach(d -> {
            out.addAll(d.result().added());
            out.addAll(d.result().newData());
        });
        return out;
    }

    /** The patch objects of the objects that have one. */
    public Map<String, PatchObject> patches() {
        Map<String, PatchObject> out = new LinkedHashMap<>();
        byObject.forEach((obj, d) -> {
            if (d.result().outcome() == DiffResult.Outcome.PATCH) out.put(obj, d.result().patch());
        });
        return out;
    }

    /** One line for the step: each object's changed and new functions, or its verdict. */
    public String describe() {
        List<String> s = new ArrayList<>();
        byObject.forEach((k, v) -> s.add(k + ": " + (switch (v.result().outcome()) {
            case PATCH -> "changed=" + v.result().changed() + " new=" + v.result().added();
            case NO_CHANGE -> "no change";
            case REFUSED -> "refused";
        })));
        return String.join("; ", s);
    }
}
