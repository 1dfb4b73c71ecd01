package dev.klp4j.update;

import dev.klp4j.base.Failure;
import dev.klp4j.pipeline.BuildOptions;
import dev.klp4j.pipeline.BuildPipeline;
import dev.klp4j.pipeline.BuildResult;
import dev.klp4j.pipeline.ObjectReport;
import dev.klp4j.pipeline.Step;
import dev.klp4j.pipeline.StepListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Decides one fix the way {@code klp4j build} would build it alone (compile, diff, review, resolve
 * symbols; no module is written) and puts it in its class. A fix that does not compile alone, or
 * calls what the running kernel does not have, needs another change of the update: it is
 * {@link Kind#DEPENDENT}, for the caller to try with the headers it includes.
 */
final class FixDecider {
    /** What a build of the fix alone said. */
    enum Kind { DECIDED, DEPENDENT }

    record Decided(Kind kind, FixDecision decision) {}

    private final String release;
    private final BuildOptions template;
    private final Path work;
    private final DecisionCache cache;

    FixDecider(String release, BuildOptions template, Path work, DecisionCache cache) {
        this.release = release;
        this.template = template;
        this.work = work;
        this.cache = cache;
    }

    Decided decide(Fix fix) {
        var cached = cache.get(fix);
        if (cached.isPresent()) return new Decided(Kind.DECIDED, cached.get());
        Decided d = build(fix);
        if (d.kind() == Kind.DECIDED) cache.put(fix, d.decision());
        return d;
    }

    private Decided build(Fix fix) {
        Path patch = work.resolve("fix.patch");
        try {
            Files.writeString(patch, fix.patch());
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot write " + patch + ": " + e.getMessage());
        }
        BuildOptions o = new BuildOptions();
        o.patch = patch;
        o.release = release;
        o.name = "klp4j_update_fix";
        o.outDir = work;
        o.jobs = template.jobs;
        o.cacheRoot = template.cacheRoot;
        o.stop = BuildOptions.Stop.LINK;
        FailedStep failed = new FailedStep();
        FixDecision base = new FixDecision(fix.id(), fix.files(), List.of(), FixStatus.NEEDS_REBOOT, null, List.of(), List.of());
        try {
            BuildResult r = BuildPipeline.of(o, failed).run();
            return switch (r.outcome()) {
                case LINKED -> new Decided(Kind.DECIDED, new FixDecision(fix.id(), fix.files(), functions(r), FixStatus.LIVE_PATCHED,
                        null, List.of(), List.of()));
                case NO_CHANGE -> new Decided(Kind.DECIDED, base.withStatus(FixStatus.NO_CHANGE, r.reason()));
                default -> new Decided(Kind.DECIDED, base.withStatus(FixStatus.NEEDS_REBOOT, oneLine(r.reason())));
            };
        } catch (Failure e) {
            String msg = e.getMessage();
            if (msg.contains("not built by this kernel's config")) {
                return new Decided(Kind.DECIDED, base.withStatus(FixStatus.NOT_BUILT, firstLine(msg)));
            }
            if (failed.step != null && failed.step.startsWith("compile") && msg.contains("error:")) {
                return new Decided(Kind.DEPENDENT, base.withStatus(FixStatus.NEEDS_REBOOT,
                        "does not compile without other changes of the update: " + compileError(msg)));
            }
            if (msg.contains("neither exported nor found")) {
                return new Decided(Kind.DEPENDENT, base.withStatus(FixStatus.NEEDS_REBOOT,
                        "needs a symbol the running kernel does not have (another change of the update adds it): " + firstLine(msg)));
            }
            if (e.kind() == Failure.Kind.INPUT && failed.step != null && failed.step.equals("check patch")) {
                return new Decided(Kind.DECIDED, base.withStatus(FixStatus.NEEDS_REBOOT, "the fix does not apply to this release's source: "
                        + firstLine(msg)));
            }
            // Not a class of the fix: klp4j itself or a tool failed; the update says so rather than guess.
            throw new Failure(e.kind(), fix.id() + ": " + msg);
        }
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
            if (l.isEmpty() || l.startsWith("(once you have checked")) continue;
            parts.add(l.endsWith(":") ? l.substring(0, l.length() - 1) : l);
        }
        return String.join("; ", parts);
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse(s);
    }

    private static String compileError(String msg) {
        return msg.lines().filter(l -> l.contains("error:")).map(String::strip).findFirst().orElse(firstLine(msg));
    }

    /** Remembers the step that failed, so that a compile error is told from klp4j's own. */
    private static final class FailedStep implements StepListener {
        String step;

        @Override public void started(String s) { }
        @Override public void progress(String s, String message) { }
        @Override public void finished(Step s) { if (s.failed()) step = s.name(); }
        @Override public void note(String line) { }
    }
}
