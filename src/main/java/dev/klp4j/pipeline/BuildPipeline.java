package dev.klp4j.pipeline;

import dev.klp4j.diff.StructSizes;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.HeaderReach;
import dev.klp4j.kbuild.ObjectOwner;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.klp.LivepatchModule;
import dev.klp4j.review.Finding;
import dev.klp4j.review.ReviewReport;
import dev.klp4j.review.Reviewer;
import dev.klp4j.review.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * klp4j build as a list of stages, each with a typed result:
 * target -> prepared tree -> patched source -> changed objects -> compiled pairs and owners ->
 * diffs -> review -> linked patch -> module. This class holds only the order and the decisions
 * (which outcome wins); the work is {@link Stages}'s. Expected ends (refused, no change, stopped
 * where asked) are {@link BuildOutcome}s; a {@code Failure} means the build could not go on.
 */
public final class BuildPipeline {
    /** Includers of the patched headers beyond which a struct change is judged from the source. */
    public static final int WIDE_HEADER = 1000;

    private final BuildOptions o;
    private final Stages stages;
    private final StepListener listener;
    private final List<Step> steps = new ArrayList<>();
    private final long start = System.nanoTime();
    private String release;

    /** The target's release, for a pipeline that decides a fix of a batch (which resolved the target). */
    BuildPipeline forRelease(String r) {
        this.release = r;
        return this;
    }

    public BuildPipeline(BuildOptions options, Stages stages, StepListener listener) {
        this.o = options;
        this.stages = stages;
        this.listener = listener;
    }

    /** The real build of {@code options} on a kernel tree. */
    public static BuildPipeline of(BuildOptions options, StepListener listener) {
        return new BuildPipeline(options, new KernelStages(options, listener), listener);
    }

    @SuppressWarnings("try") // the tree is held for the try block
    public BuildResult run() {
        KernelTarget target = step("target", stages::target, t -> t.release()
                + (t.sourceVersion() != null ? " (source " + t.sourceVersion() + " = image " + t.imageVersion() + ")" : ""));
        release = target.release();
        target.warnings().forEach(w -> listener.note("warning: " + w));
        try (PreparedTree tree = step("source tree", () -> stages.prepare(target), t -> (t.made() ? "made " : "cached ") + t.tree())) {
            return build();
        }
    }

    @SuppressWarnings("try") // the patch stays applied for the try block's body
    private BuildResult build() {
        PatchedSource source = step("check patch", stages::readPatch, s -> s.diff().files().size() + " file(s)");
        // First the objects (a file this config does not build fails here, as not built, before any
        // reason to refuse it is given), then, where every hunk is in code no live patch can change
        // (__init, notrace, assembly, the vDSO, a user-space ABI change), the source says so: nothing
        // needs compiling.
        ChangedObjects.Changes changes = step("changed objects", () -> stages.changedObjects(source), BuildPipeline::describe);
        Optional<ReviewReport> decided = o.accept.contains(Rule.NOT_PATCHABLE) ? Optional.empty() : Reviewer.decidedBySource(source.hunks());
        if (decided.isPresent()) return decidedBySource(decided.get());
        if (!changes.headers().isEmpty() && !changes.sources().isEmpty()) {
            // Finding the users of a header can take minutes; a patched .c that does not compile (a fix
            // taken without the change it depends on) should fail in seconds instead.
            step("compile sources", () -> { stages.compileSources(changes); return changes.sources().size(); },
                    n -> n + " patched object(s) compile");
        }
        Optional<BuildResult> wide = tooWide(source, changes);
        if (wide.isPresent()) return wide.get();
        HeaderReach reach = changes.headers().isEmpty() ? null
                : step("header users", () -> stages.headerUsers(changes), u -> changes.considered() + " considered, "
                        + (u.pastLimit() ? u.preprocessed() + " to preprocess: past the limit" : u.preprocessed() + " preprocessed, "
                        + (u.objects().size() - changes.sources().size()) + " use the change: " + String.join(" ", u.objects())));
        if (reach != null && reach.pastLimit()) return notDecided(reach);
        List<String> objects = reach == null ? changes.sources() : reach.objects();
        if (objects.isEmpty()) return noHeaderUsers();

        step("compile original", () -> stages.compileOriginal(objects), cached -> objects.size() + " object(s), " + cached + " from the cache");
        try (Stages.Applied applied = step("apply patch", stages::applyPatch, a -> "")) {
            step("compile patched", () -> stages.compilePatched(objects), cached -> objects.size() + " object(s), " + cached + " from the cache");
        }
        Map<String, ObjectOwner.Owner> owners = step("owners", () -> stages.owners(objects), BuildPipeline::describeOwners);
        if (o.stop == BuildOptions.Stop.COMPILE) return end(BuildOutcome.COMPILED, null);

        StructSizes sizes = step("entry sizes", stages::entrySizes, StructSizes::toString);
        ObjectDiffs diffs = step("diff", () -> stages.diff(objects, owners, sizes), ObjectDiffs::describe);
        return decide(source, objects, diffs, sizes);
    }

    /**
     * The end of a build whose patched headers too many files include and that changes a struct's
     * layout: refused from the source (finding and comparing the users takes an hour on 2 cores, to
     * end in the same type-layout refusal).
     */
    Optional<BuildResult> tooWide(PatchedSource source, ChangedObjects.Changes changes) {
        if (changes.considered() > WIDE_HEADER && !o.accept.contains(Rule.TYPE_LAYOUT)) {
            // Per header: an update's one module joins a driver's own header (a dozen users, compared
            // by compiling them) with the rest; only a header that many files include is judged from its text.
            List<Finding> layout = Reviewer.headerLayouts(source.hunks().stream()
                    .filter(h -> changes.includers(h.file()) > WIDE_HEADER).toList());
            if (!layout.isEmpty()) return Optional.of(decidedBySource(new ReviewReport(source.hunks().size(), 0, layout)));
        }
        return Optional.empty();
    }

    /** The end of a build whose header users would take preprocessing more than {@code maxPreprocessed} objects. */
    BuildResult notDecided(HeaderReach reach) {
        return end(BuildOutcome.REFUSED, "not decided: telling which objects the patched headers change would preprocess "
                + reach.preprocessed() + " files, more than the " + o.maxPreprocessed + " this build preprocesses (" + reach.why()
                + "); build the change alone with klp4j build to decide it");
    }

    BuildResult noHeaderUsers() {
        return end(BuildOutcome.NO_CHANGE, "no patchable change: the patched headers change no object's preprocessed code");
    }

    /**
     * From the differ's verdicts on: review, the outcome that wins, symbols, the module. A batch of
     * fixes ({@link BatchPipeline}) compiles and diffs them together, then decides each so.
     */
    BuildResult decide(PatchedSource source, List<String> objects, ObjectDiffs diffs, StructSizes sizes) {
        ReviewReport review = step("review", () -> stages.review(source, objects, diffs), ReviewReport::summary);
        if (o.stop == BuildOptions.Stop.REVIEW) return end(BuildOutcome.REVIEWED, null, review, List.of(), null);
        review.findings().forEach(f -> listener.note("  " + f.line())); // klp4j review prints them itself, with remedies

        // The differ's refusals come first: they are about what the kernel cannot do at all.
        List<String> refusals = diffs.refusals();
        if (!refusals.isEmpty()) return refused("the patch cannot be live patched:\n  " + String.join("\n  ", refusals), review);
        List<Finding> blocking = review.blocking(o.accept);
        if (!blocking.isEmpty()) return refused(refusal("the patch cannot be live patched safely (klp4j review)", blocking), review);
        if (diffs.noChange()) {
            return end(BuildOutcome.NO_CHANGE, "no patchable change: the patch changes no function's code (only e.g. line numbers in WARN/BUG)",
                    review, List.of(), null);
        }
        if (diffs.runsNothing()) {
            return end(BuildOutcome.NO_CHANGE, "no patchable change: the patch only adds code nothing in the running kernel calls ("
                    + String.join(", ", diffs.added()) + "): it redirects no function, exports none and has no callback; the callers that would"
                    + " use it are not in the patch", review, List.of(), null);
        }

        LivepatchModule.Linked linked = step("resolve symbols", () -> stages.link(diffs, sizes), l -> l.klpSymbolCount() + " livepatch symbol(s)");
        linked.warnings().forEach(w -> listener.note("warning: " + w));
        List<ObjectReport> reports = linked.objects().stream().map(s -> new ObjectReport(s.object(), s.owner(),
                diffs.result(s.object()).outcome(), diffs.result(s.object()).changed(), diffs.result(s.object()).added(), s.klpSymbols())).toList();
        if (!linked.refused().isEmpty()) {
            return refused("the patch cannot be live patched:\n  " + String.join("\n  ", linked.refused()), review);
        }
        if (o.stop == BuildOptions.Stop.LINK) return end(BuildOutcome.LINKED, null, review, reports, null);
        String module = step("module", () -> stages.writeModule(linked), p -> p.toString()).toString();
        return end(BuildOutcome.BUILT, null, review, reports, module);
    }

    /** The end of a build the source alone decided: {@code klp4j review}'s report, or the refusal. */
    BuildResult decidedBySource(ReviewReport decided) {
        ReviewReport r = step("review", () -> decided, x -> x.summary() + " (from the source alone: nothing compiled)");
        if (o.stop == BuildOptions.Stop.REVIEW) return end(BuildOutcome.REVIEWED, null, r, List.of(), null);
        return refused(refusal("the patch cannot be live patched (klp4j review, from the source alone)", r.blocking(o.accept)), r);
    }

    /** A refusal listing review findings with what to do, and how to build anyway once checked. */
    static String refusal(String title, List<Finding> blocking) {
        List<String> lines = new ArrayList<>();
        for (Finding f : blocking) lines.add(f.line() + "\n    what to do: " + f.remedy());
        return title + ":\n  " + String.join("\n  ", lines) + "\n  (once you have checked, --accept "
                + blocking.stream().map(f -> f.rule().id()).distinct().collect(Collectors.joining(" --accept ")) + " builds it anyway)";
    }

    private BuildResult refused(String reason, ReviewReport review) {
        return end(BuildOutcome.REFUSED, reason, review, List.of(), null);
    }

    private BuildResult end(BuildOutcome outcome, String reason) {
        return end(outcome, reason, null, List.of(), null);
    }

    private BuildResult end(BuildOutcome outcome, String reason, ReviewReport review, List<ObjectReport> objects, String module) {
        return new BuildResult(release, outcome, reason, module, steps, objects, review, (System.nanoTime() - start) / 1e9);
    }

    /** A step of this build: timed for the listener, and kept for the result's list of steps. */
    private <T> T step(String name, Supplier<T> body, Function<T, String> detail) {
        return recording.timed(name, body, detail);
    }

    /** The listener, keeping each finished step for the result too. */
    private final StepListener recording = new StepListener() {
        @Override public void started(String step) { listener.started(step); }
        @Override public void progress(String step, String message) { listener.progress(step, message); }
        @Override public void finished(Step step) {
            steps.add(step);
            listener.finished(step);
        }
        @Override public void note(String line) { listener.note(line); }
    };

    private static String describe(ChangedObjects.Changes c) {
        return String.join(" ", c.sources()) + (c.headers().isEmpty() ? "" : (c.sources().isEmpty() ? "" : "; ")
                + "headers: " + c.considered() + " file(s) include them");
    }

    private static String describeOwners(Map<String, ObjectOwner.Owner> m) {
        List<String> s = new ArrayList<>();
        m.forEach((k, v) -> s.add(k + "->" + v.name()));
        return String.join(" ", s);
    }
}
