package dev.klp4j.cli;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Failure;
import dev.klp4j.pipeline.BuildOptions;
import dev.klp4j.pipeline.BuildOutcome;
import dev.klp4j.pipeline.BuildPipeline;
import dev.klp4j.pipeline.BuildResult;
import dev.klp4j.debian.SuiteKernels;
import dev.klp4j.review.Finding;
import dev.klp4j.review.ReviewReport;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** klp4j review PATCH: what is dangerous about a patch, before it reaches a host. */
@Command(name = "review", mixinStandardHelpOptions = true,
        description = {"Review a patch for what makes a live patch unsafe: changed type layouts and function interfaces,"
                + " changed data, locking and references, transitions that never finish, inlining fan-out, and code a live"
                + " patch cannot change. Compiles both sides (as build does, with the kernel's debug info) but writes no module.",
                "Exit status 0 when nothing is unsafe, 2 when something is."})
final class ReviewCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATCH", description = "Unified diff (patch -p1) against the kernel source.")
    Path patch;

    @Option(names = {"-k", "--kernel"}, paramLabel = "RELEASE", description = "Target release (default: the one linux-image-amd64 points to; 'bookworm' or 'trixie': that suite's current kernel).")
    String release;

    @Mixin TreeOptions tree = new TreeOptions();

    @Option(names = "--json", description = "Print the report as JSON on stdout (step lines go to stderr).")
    boolean json;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        tree.validate();
        InputFiles.requirePatch(patch);
        BuildOptions o = new BuildOptions();
        o.patch = patch; o.stop = BuildOptions.Stop.REVIEW;
        tree.applyTo(o);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter steps = json ? spec.commandLine().getErr() : out;
        ReviewReport r;
        String reviewed;
        try {
            o.release = release == null ? null : SuiteKernels.resolve(release, CacheRoot.path());
            BuildResult b = BuildPipeline.of(o, new StepPrinter(steps, !json && System.console() != null)).run();
            r = b.review();
            reviewed = b.release();
            if (b.outcome() == BuildOutcome.NO_CHANGE) {
                // Nothing to patch is a clean review, not an error: there is nothing to be unsafe about.
                r = new ReviewReport(0, 0, java.util.List.of());
                steps.println(b.reason());
            }
        } catch (Failure e) {
            UserError u = new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
            // --json: one document per call, a failed review's too
            if (json) {
                java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
                doc.put("release", o.release);
                doc.put("outcome", "FAILED");
                doc.put("reason", u.getMessage());
                doc.put("exit", u.exitCode());
                out.println(Json.write(doc));
                out.flush();
            }
            throw u;
        }
        int exit = r.verdict() == ReviewReport.Verdict.UNSAFE ? ExitStatus.INPUT : ExitStatus.OK;
        if (json) {
            // the same document a failed review prints, with the review's fields (docs/schema/review.schema.json)
            java.util.Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("release", reviewed);
            doc.put("outcome", "REVIEWED");
            doc.putAll(Json.mapper().convertValue(r, new com.fasterxml.jackson.core.type.TypeReference<java.util.Map<String, Object>>() { }));
            doc.put("exit", exit);
            out.println(Json.write(doc));
        } else {
            for (Finding f : r.findings()) {
                out.println(f.line());
                out.println("           what to do: " + f.remedy());
            }
            out.println(r.summary());
        }
        out.flush();
        return exit;
    }
}
