package dev.klp4j.update;

import dev.klp4j.base.Failure;
import dev.klp4j.pipeline.BatchPipeline;
import dev.klp4j.pipeline.BuildOptions;
import dev.klp4j.pipeline.BuildPipeline;
import dev.klp4j.pipeline.BuildResult;
import dev.klp4j.pipeline.FailedStep;
import dev.klp4j.pipeline.ObjectReport;
import dev.klp4j.pipeline.StepListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * Decides one fix the way {@code klp4j build} would build it alone (compile, diff, review, resolve
 * symbols; no module is written) and puts it in its class. A fix that does not compile alone, or
 * calls what the running kernel does not have, needs another change of the update: it is
 * {@link Kind#DEPENDENT}, for the caller to try with the headers it includes.
 */
final class FixDecider implements FixRounds.Decider {
    /**
     * What a build of the fix said: a class, that it needs another change (to be tried with it;
     * both cached), or that klp4j itself could not build it (needs-reboot with klp4j's reason, not
     * cached: a rerun, or a newer klp4j, tries again).
     */
    enum Kind { DECIDED, DEPENDENT, KLP4J_FAILED }

    record Decided(Kind kind, FixDecision decision) {}

    private final String release;
    private final BuildOptions template;
    private final Path work;
    private final DecisionCache cache;
    private final StepListener listener;

    FixDecider(String release, BuildOptions template, Path work, DecisionCache cache, StepListener listener) {
        this.listener = listener;
        this.release = release;
        this.template = template;
        this.work = work;
        this.cache = cache;
    }

    @Override
    public Decided decide(Fix fix) {
        var cached = cache.get(fix);
        if (cached.isPresent()) return cached.get();
        Decided d = build(fix);
        cache.put(fix, d);
        return d;
    }

    /**
     * Decides {@code fixes} (each of its own files) in one batch over the tree; those the cache has
     * are not built again. Fixes whose changes meet in one object come back as one decision, under
     * each of their ids. When the batch as a whole fails, its halves are decided instead, down to each fix alone.
     */
    @Override
    public Map<String, Decided> decideBatch(List<Fix> fixes) {
        Map<String, Decided> out = new LinkedHashMap<>();
        Map<String, List<String>> todo = new LinkedHashMap<>();
        StringBuilder patch = new StringBuilder();
        for (Fix f : fixes) {
            var cached = cache.get(f);
            if (cached.isPresent()) {
                out.put(f.id(), cached.get());
            } else {
                todo.put(f.id(), f.files());
                patch.append(f.patch());
            }
        }
        if (todo.isEmpty()) return out;
        Map<String, BatchPipeline.Outcome> batch;
        try {
            batch = BatchPipeline.of(options(write("batch.patch", patch.toString())), todo, new NestedSteps(listener, "decide")).run();
        } catch (RuntimeException e) {
            // A tool's failure, or a defect of klp4j's batch: the fixes are still decided, in two
            // halves (one culprit costs a few batches, not a build per fix), down to each alone.
            List<Fix> rest = fixes.stream().filter(f -> !out.containsKey(f.id())).toList();
            listener.note("  a batch of " + todo.size() + " fixes failed (" + (e instanceof Failure ? "" : "klp4j defect: ")
                    + summary(e) + "): " + (rest.size() > 2 ? "deciding it in two halves" : "deciding each alone"));
            if (rest.size() <= 2) {
                for (Fix f : rest) out.put(f.id(), decide(f));
            } else {
                out.putAll(decideBatch(rest.subList(0, rest.size() / 2)));
                out.putAll(decideBatch(rest.subList(rest.size() / 2, rest.size())));
            }
            return out;
        }
        Map<String, Fix> byId = new LinkedHashMap<>();
        for (Fix f : fixes) byId.put(f.id(), f);
        for (BatchPipeline.Outcome b : batch.values()) {
            List<Fix> members = b.members().stream().map(byId::get).toList();
            Fix joined = members.size() == 1 ? members.get(0) : new Fix(b.id(),
                    members.stream().flatMap(m -> m.files().stream()).distinct().toList(),
                    members.stream().map(Fix::patch).reduce("", String::concat));
            Decided d = classify(joined, b.result(), b.failure(), b.failedStep());
            // Each member is cached with the joined decision: a rerun finds them all, and records it once.
            for (Fix m : members) {
                cache.put(m, d);
                out.put(m.id(), d);
            }
        }
        return out;
    }

    /** A failure in the log's one line: its first error line when it has one (a compile's first line only lists objects). */
    private static String summary(RuntimeException e) {
        String msg = String.valueOf(e.getMessage());
        return msg.lines().filter(l -> l.contains("error:") || l.contains("Error ")).findFirst()
                .orElse(msg.lines().findFirst().orElse(e.toString()));
    }

    private Path write(String name, String text) {
        Path patch = work.resolve(name);
        try {
            Files.writeString(patch, text);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot write " + patch + ": " + e.getMessage());
        }
        return patch;
    }

    private BuildOptions options(Path patch) {
        BuildOptions o = new BuildOptions();
        o.patch = patch;
        o.release = release;
        o.name = "klp4j_update_fix";
        o.outDir = work;
        o.jobs = template.jobs;
        o.cacheRoot = template.cacheRoot;
        o.cluster = template.cluster;
        o.stop = BuildOptions.Stop.LINK;
        // An update has hundreds of fixes: one whose header users take preprocessing thousands of files is left to klp4j build.
        o.maxPreprocessed = BuildPipeline.WIDE_HEADER;
        return o;
    }

    private Decided build(Fix fix) {
        FailedStep failed = new FailedStep();
        try {
            return classify(fix, BuildPipeline.of(options(write("fix.patch", fix.patch())), failed).run(), null, null);
        } catch (Failure e) {
            return classify(fix, null, e, failed.name());
        } catch (RuntimeException e) {
            // A defect of klp4j on this fix: needs-reboot with klp4j's reason, not cached; the update goes on.
            return new Decided(Kind.KLP4J_FAILED, new FixDecision(fix.id(), fix.files(), List.of(), FixStatus.NEEDS_REBOOT,
                    "klp4j could not build it (" + (failed.name() == null ? "" : failed.name() + ": ") + "klp4j defect: " + e + ")",
                    List.of(), List.of()));
        }
    }

    /** The class of a fix from its build's result, or from the failure that stopped it at {@code failedStep}. */
    private static Decided classify(Fix fix, BuildResult r, Failure e, String failedStep) {
        FixDecision base = new FixDecision(fix.id(), fix.files(), List.of(), FixStatus.NEEDS_REBOOT, null, List.of(), List.of());
        if (r != null) {
            return switch (r.outcome()) {
                case LINKED -> new Decided(Kind.DECIDED, new FixDecision(fix.id(), fix.files(), functions(r), FixStatus.LIVE_PATCHED,
                        null, List.of(), List.of()));
                case NO_CHANGE -> new Decided(Kind.DECIDED, base.withStatus(FixStatus.NO_CHANGE, r.reason()));
                default -> new Decided(Kind.DECIDED, base.withStatus(FixStatus.NEEDS_REBOOT, oneLine(r.reason())));
            };
        }
        String msg = e.getMessage();
        if (msg.contains("not built by this kernel's config")) {
            return new Decided(Kind.DECIDED, base.withStatus(FixStatus.NOT_BUILT, firstLine(msg)));
        }
        if (("compile patched".equals(failedStep) || "compile sources".equals(failedStep)) && msg.contains("error:")) {
            return new Decided(Kind.DEPENDENT, base.withStatus(FixStatus.NEEDS_REBOOT,
                    "does not compile without other changes of the update: " + compileError(msg, fix.files())));
        }
        if (msg.contains("neither exported nor found")) {
            return new Decided(Kind.DEPENDENT, base.withStatus(FixStatus.NEEDS_REBOOT,
                    "needs a symbol the running kernel does not have (another change of the update adds it): " + firstLine(msg)));
        }
        if (e.kind() == Failure.Kind.INPUT && "check patch".equals(failedStep)) {
            return new Decided(Kind.DECIDED, base.withStatus(FixStatus.NEEDS_REBOOT, "the fix does not apply to this release's source: "
                    + firstLine(msg)));
        }
        // Not a class of the fix but klp4j's own limit (or a tool's failure): the fix is not live
        // patched, so it needs a reboot, and the reason says it is klp4j's. One fix must not stop
        // the hundreds of an update.
        return new Decided(Kind.KLP4J_FAILED, base.withStatus(FixStatus.NEEDS_REBOOT, "klp4j could not build it ("
                + (failedStep == null ? "" : failedStep + ": ") + firstLine(msg) + ")"));
    }

    private static List<String> functions(BuildResult r) {
        Set<String> out = new LinkedHashSet<>();
        for (ObjectReport o : r.objects()) {
            out.addAll(o.changed());
            out.addAll(o.added());
        }
        return new ArrayList<>(out);
    }

    /** The reason as one line per finding, without the "--accept" hint (an update takes no --accept). */
    static String oneLine(String reason) {
        if (reason == null) return null;
        List<String> parts = new ArrayList<>();
        for (String l : reason.lines().map(String::strip).toList()) {
            // the finding says what and why; its remedy and the --accept hint are for one patch's author
            if (l.isEmpty() || l.startsWith("(once you have checked") || l.startsWith("what to do:")) continue;
            l = l.replaceAll("\\s+", " ");
            parts.add(l.endsWith(":") ? l.substring(0, l.length() - 1) : l);
        }
        return String.join("; ", parts);
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse(s);
    }

    /** The first compiler error in the fix's own files (a batch's output has every fix's), else the first at all. */
    private static String compileError(String msg, List<String> files) {
        List<String> errors = msg.lines().filter(l -> l.contains("error:")).map(String::strip).toList();
        return errors.stream().filter(l -> files.stream().anyMatch(f -> l.contains(f + ":"))).findFirst()
                .orElse(errors.isEmpty() ? firstLine(msg) : errors.get(0));
    }
}
