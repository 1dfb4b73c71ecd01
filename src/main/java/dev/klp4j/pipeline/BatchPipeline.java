package dev.klp4j.pipeline;

import dev.klp4j.base.Failure;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.HeaderReach;
import dev.klp4j.kbuild.ObjectOwner;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.review.ReviewReport;
import dev.klp4j.review.Reviewer;
import dev.klp4j.review.Rule;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Many fixes decided in one pass over one tree, as {@code klp4j build} would decide each alone: the
 * target is resolved and the tree prepared once; the users of every fix's changed headers are found
 * in one preprocessing of each object; every original object is compiled in one batch and every
 * patched one with all fixes applied; the owners, entry sizes and diffs are taken once; then each
 * fix is reviewed, decided and linked on its own objects ({@link BuildPipeline#decide}). Fixes whose
 * objects meet are decided as one: no fix alone says what such an object compiles to. klp4j update
 * so decides the hundreds of fixes of a stable update at the compiler's pace rather than kbuild's.
 *
 * <p>{@code options.patch} holds every fix's patch; {@code fixes} says which files each one is.
 * A fix whose file does not compile (it needs another change) is taken out and the batch compiled
 * again without it.
 */
public final class BatchPipeline {
    /**
     * One fix's end: its build's result, or why it could not be decided and at which step.
     * {@code members} are the fixes decided with it as one (itself first): fixes whose changes meet
     * in one object, which no fix alone says the compiled code of.
     */
    public record Outcome(String id, List<String> members, BuildResult result, Failure failure, String failedStep) {
        public Outcome {
            members = List.copyOf(members);
        }

        Outcome(String id, BuildResult result, Failure failure, String failedStep) {
            this(id, List.of(id), result, failure, failedStep);
        }
    }

    private final BuildOptions o;
    private final Map<String, List<String>> fixes;
    private final Stages stages;
    private final StepListener listener;

    public BatchPipeline(BuildOptions options, Map<String, List<String>> fixes, Stages stages, StepListener listener) {
        this.o = options;
        this.fixes = new LinkedHashMap<>(fixes);
        this.stages = stages;
        this.listener = listener;
    }

    /** The real batch on a kernel tree. */
    public static BatchPipeline of(BuildOptions options, Map<String, List<String>> fixes, StepListener listener) {
        return new BatchPipeline(options, fixes, new KernelStages(options, preprocessing(listener)), listener);
    }

    /** A kernel stage's progress line while it preprocesses candidate objects. */
    private static final java.util.regex.Pattern PREPROCESSING = java.util.regex.Pattern.compile("preprocessing (\\d+)/(\\d+)"),
            FOLLOWING = java.util.regex.Pattern.compile("following the changed names of (\\d+)/(\\d+) .*");

    /**
     * The stages' own steps are the batch's business, but finding the users of an update's headers
     * preprocesses thousands of objects for many minutes: their count is shown, a line at each tenth.
     */
    static StepListener preprocessing(StepListener to) {
        return new StepListener() {
            private int shownTenth = -1, followedTenth = -1;

            @Override public void started(String step) { }
            @Override public void finished(Step step) { }
            @Override public void note(String line) { }

            @Override
            public void progress(String step, String message) {
                // Before preprocessing: following each fix's changed names, then asking kbuild (minutes for a batch of 100).
                java.util.regex.Matcher f = FOLLOWING.matcher(message);
                if (f.matches()) {
                    int done = Integer.parseInt(f.group(1)), total = Integer.parseInt(f.group(2));
                    int tenth = done * 10 / Math.max(1, total);
                    if (tenth > 0 && tenth != followedTenth) to.progress("batch", "header users: " + message);
                    followedTenth = tenth;
                    return;
                }
                if (message.startsWith("asking kbuild")) {
                    to.progress("batch", "header users: " + message);
                    return;
                }
                java.util.regex.Matcher m = PREPROCESSING.matcher(message);
                if (!m.matches()) return;
                int done = Integer.parseInt(m.group(1)), total = Integer.parseInt(m.group(2));
                int tenth = total == 0 ? 10 : done * 10 / total;
                if (tenth == 0 || tenth == shownTenth) return;
                shownTenth = tenth;
                to.progress("batch", "header users: preprocessed " + done + " of " + total + " object(s)");
            }
        };
    }

    @SuppressWarnings("try") // the tree is held for the try block
    public Map<String, Outcome> run() {
        Map<String, Outcome> out = new LinkedHashMap<>();
        KernelTarget target = stages.target();
        try (PreparedTree tree = stages.prepare(target)) {
            listener.started("batch");
            PatchedSource all = stages.readPatch();
            Map<String, List<String>> objects = new LinkedHashMap<>();
            Map<String, ChangedObjects.Changes> headerFixes = new LinkedHashMap<>();
            Map<String, PatchedSource> sources = new LinkedHashMap<>();
            for (var f : fixes.entrySet()) {
                PatchedSource source = all.only(f.getValue());
                sources.put(f.getKey(), source);
                try {
                    // A file this config does not build fails here, before any reason to refuse it;
                    // then what the source alone decides (an __init function, notrace) needs no compile.
                    ChangedObjects.Changes c = stages.changedObjects(source);
                    Optional<ReviewReport> decided = o.accept.contains(Rule.NOT_PATCHABLE) ? Optional.empty() : Reviewer.decidedBySource(source.hunks());
                    Optional<BuildResult> ended = decided.isPresent() ? Optional.of(pipeline(target).decidedBySource(decided.get())) : pipeline(target).tooWide(source, c);
                    if (ended.isPresent()) {
                        out.put(f.getKey(), new Outcome(f.getKey(), ended.get(), null, null));
                    } else if (c.headers().isEmpty()) {
                        objects.put(f.getKey(), c.sources());
                    } else {
                        headerFixes.put(f.getKey(), c);
                    }
                } catch (Failure e) {
                    out.put(f.getKey(), new Outcome(f.getKey(), null, e, "changed objects"));
                }
            }
            if (!headerFixes.isEmpty()) {
                listener.progress("batch", "header users of " + headerFixes.size() + " fix(es)");
                for (var u : stages.headerUsersEach(headerFixes).entrySet()) {
                    HeaderReach reach = u.getValue();
                    if (reach.pastLimit()) out.put(u.getKey(), new Outcome(u.getKey(), pipeline(target).notDecided(reach), null, null));
                    else if (reach.objects().isEmpty()) out.put(u.getKey(), new Outcome(u.getKey(), pipeline(target).noHeaderUsers(), null, null));
                    else objects.put(u.getKey(), reach.objects());
                }
            }
            Map<String, List<String>> members = joinSharing(objects);
            for (var g : members.entrySet()) {
                if (g.getValue().size() == 1) continue;
                List<String> files = g.getValue().stream().flatMap(id -> fixes.get(id).stream()).distinct().toList();
                fixes.put(g.getKey(), files);
                sources.put(g.getKey(), all.only(files));
                listener.progress("batch", String.join(", ", g.getValue()) + " change the same objects: decided as one");
            }
            List<String> compiled = compile(objects, members, out);
            Map<String, ObjectOwner.Owner> owners = stages.owners(compiled);
            StructSizes sizes = stages.entrySizes();
            ObjectDiffs diffs = stages.diff(compiled, owners, sizes);
            listener.finished(new Step("batch", 0, objects.size() + " fix(es), " + compiled.size() + " object(s) compiled and compared"));
            for (var f : objects.entrySet()) {
                FailedStep steps = new FailedStep();
                try {
                    BuildResult r = new BuildPipeline(o, stages, steps).forRelease(target.release())
                            .decide(sources.get(f.getKey()), f.getValue(), diffs.only(f.getValue()), sizes);
                    out.put(f.getKey(), new Outcome(f.getKey(), members.get(f.getKey()), r, null, null));
                } catch (Failure e) {
                    out.put(f.getKey(), new Outcome(f.getKey(), members.get(f.getKey()), null, e, steps.name()));
                }
            }
        }
        return out;
    }

    /**
     * Joins the fixes whose objects meet into one entry of {@code objects} (under the first one's
     * id, with every member's objects); returns each remaining id's members, itself first.
     */
    static Map<String, List<String>> joinSharing(Map<String, List<String>> objects) {
        Map<String, List<String>> members = new LinkedHashMap<>();
        Map<String, String> owner = new java.util.HashMap<>(); // object -> the id that holds it
        Map<String, Set<String>> held = new LinkedHashMap<>();
        List<String> order = new ArrayList<>(objects.keySet());
        for (var f : objects.entrySet()) {
            Set<String> meets = new java.util.TreeSet<>(java.util.Comparator.comparingInt(order::indexOf));
            for (String obj : f.getValue()) if (owner.containsKey(obj)) meets.add(owner.get(obj));
            String into = meets.isEmpty() ? f.getKey() : meets.iterator().next();
            members.computeIfAbsent(into, k -> new ArrayList<>(List.of(k)));
            held.computeIfAbsent(into, k -> new LinkedHashSet<>());
            for (String other : meets) {
                if (other.equals(into)) continue;
                members.get(into).addAll(members.remove(other));
                held.get(into).addAll(held.remove(other));
            }
            if (!into.equals(f.getKey())) members.get(into).add(f.getKey());
            members.get(into).sort(java.util.Comparator.comparingInt(order::indexOf));
            held.get(into).addAll(f.getValue());
            for (String obj : held.get(into)) owner.put(obj, into);
        }
        objects.clear();
        held.forEach((id, objs) -> objects.put(id, new ArrayList<>(objs)));
        return members;
    }

    private BuildPipeline pipeline(KernelTarget target) {
        return new BuildPipeline(o, stages, StepListener.SILENT).forRelease(target.release());
    }

    /**
     * Compiles every fix's objects, original and patched; a fix whose object does not compile with
     * the patches applied is given its failure and left out, and the rest compiled again.
     */
    @SuppressWarnings("try") // the patch stays applied for the try block's body
    private List<String> compile(Map<String, List<String>> objects, Map<String, List<String>> members, Map<String, Outcome> out) {
        while (true) {
            List<String> all = new ArrayList<>(new LinkedHashSet<>(objects.values().stream().flatMap(List::stream).toList()));
            if (all.isEmpty()) return all;
            // One make each, minutes for hundreds of objects: say so, or the update looks stalled.
            listener.progress("batch", "compiling " + all.size() + " original object(s)");
            try {
                stages.compileOriginal(all);
            } catch (Failure e) {
                // The release's own source does not compile there (not a fix's doing): those fixes are
                // klp4j's to answer for, the rest of the batch goes on.
                Set<String> ids = failing(e.getMessage(), objects);
                if (ids.isEmpty()) throw e;
                for (String id : ids) {
                    objects.remove(id);
                    out.put(id, new Outcome(id, members.get(id), null, e, "compile original"));
                    listener.progress("batch", id + ": the original source does not compile: taken out");
                }
                continue;
            }
            listener.progress("batch", "compiling " + all.size() + " patched object(s)");
            // Only the fixes still to compare: one decided from its source or taken out (a struct of
            // netdevice.h, refused as too wide) must not change the objects of the others.
            Set<String> files = new LinkedHashSet<>();
            for (String id : objects.keySet()) files.addAll(fixes.get(id));
            try (Stages.Applied applied = stages.applyPatch(files)) {
                stages.compilePatched(all);
                return all;
            } catch (Failure e) {
                Map<String, Failure> failing = new LinkedHashMap<>();
                Map<String, List<String>> unquoted = new LinkedHashMap<>();
                for (String id : failing(e.getMessage(), objects)) {
                    Optional<Failure> own = ownErrors(e, id, objects.get(id));
                    if (own.isPresent()) failing.put(id, own.get());
                    else unquoted.put(id, objects.get(id));
                }
                // Named only by make's line for an object whose error is in a shared header: its own compile says it.
                if (!unquoted.isEmpty()) failing.putAll(alone(unquoted));
                if (failing.isEmpty()) failing.putAll(alone(objects));
                // A failure no fix's own compile reproduces is not a fix's: the batch cannot go on.
                if (failing.isEmpty()) throw e;
                for (var f : failing.entrySet()) {
                    String id = f.getKey();
                    objects.remove(id);
                    out.put(id, new Outcome(id, members.get(id), null, f.getValue(), "compile patched"));
                    listener.progress("batch", id + " does not compile with the batch: taken out");
                }
            }
        }
    }

    /**
     * The fixes a failed compile names: an error in one of a fix's files ("x.c:12:3: error:"), or
     * make's error line for one of its objects ("[...: drivers/x.o] Error 1", when the error is in a
     * header the fix's file includes). The message's first line lists every object and is skipped.
     */
    private Set<String> failing(String message, Map<String, List<String>> objects) {
        String errors = message.contains("\n") ? message.substring(message.indexOf('\n')) : "";
        Set<String> out = new LinkedHashSet<>();
        for (var f : objects.entrySet()) {
            boolean named = fixes.get(f.getKey()).stream().anyMatch(file -> errors.contains(file + ":"))
                    || f.getValue().stream().anyMatch(obj -> errors.contains(obj + "]"));
            if (named) out.add(f.getKey());
        }
        return out;
    }

    /**
     * The batch's failure cut down to one fix's own error lines: those naming its files or the
     * sources of its objects. The batch's output holds every fix's errors, and a fix must not be
     * refused with another's; none of its own (an error in a header it shares) gives nothing.
     */
    private Optional<Failure> ownErrors(Failure batch, String id, List<String> objs) {
        List<String> names = new ArrayList<>(fixes.get(id));
        for (String obj : objs) {
            if (obj.endsWith(".o")) names.add(obj.substring(0, obj.length() - 2) + ".c");
        }
        String msg = batch.getMessage();
        List<String> own = msg.lines().skip(1)
                .filter(l -> l.contains("error:") && names.stream().anyMatch(n -> l.contains(n + ":")))
                .toList();
        if (own.isEmpty()) return Optional.empty();
        String first = msg.lines().findFirst().orElse("");
        return Optional.of(new Failure(batch.kind(), first + "\n" + String.join("\n", own)));
    }

    /**
     * Each fix's objects compiled with only its own changes (the batch's error named none of its
     * files): those that fail, with their own errors. With the whole batch applied, an object
     * that includes another fix's broken header fails on that header's error: 6.1.190's
     * {@code route.h} calls {@code dst_dev}, which only the refused {@code dst.h} adds, and eight
     * header fixes whose objects include it were refused with route.h's error.
     */
    @SuppressWarnings("try") // the patch stays applied for the try block's body
    private Map<String, Failure> alone(Map<String, List<String>> objects) {
        Map<String, Failure> out = new LinkedHashMap<>();
        for (var f : objects.entrySet()) {
            try (Stages.Applied applied = stages.applyPatch(fixes.get(f.getKey()))) {
                try {
                    stages.compilePatched(f.getValue());
                } catch (Failure e) {
                    out.put(f.getKey(), e);
                }
            }
        }
        return out;
    }
}
