package dev.klp4j.cli;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Failure;
import dev.klp4j.pipeline.BuildOptions;
import dev.klp4j.pipeline.BuildOutcome;
import dev.klp4j.pipeline.BuildPipeline;
import dev.klp4j.pipeline.BuildResult;
import dev.klp4j.pipeline.ObjectReport;
import dev.klp4j.debian.SuiteKernels;
import dev.klp4j.debian.KernelRelease;
import dev.klp4j.kernel.KernelTree;
import dev.klp4j.review.Rule;
import dev.klp4j.vm.GuestRuntime;
import dev.klp4j.vm.VmHarness;
import dev.klp4j.vm.VmProof;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.LinkedHashMap;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** klp4j build PATCH: from a source patch to a loadable livepatch module. */
@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build a livepatch module from a unified diff against the target kernel's source.",
                "Compiles only the objects the patch touches; prints one line per step with its time."})
final class BuildCommand implements Callable<Integer> {
    @Parameters(paramLabel = "PATCH", arity = "1..*", description = {"Unified diff (patch -p1) against the kernel source.",
            "Several (as kpatch-build takes them) make one module, named after the first; they must change distinct files."})
    List<Path> patches;

    /** The patch the build reads: the one given, or the several joined into one. */
    private Path patch;

    @Option(names = {"-k", "--kernel"}, paramLabel = "RELEASE", description = {"Target release (default: the one linux-image-amd64"
            + " points to; 'bookworm' or 'trixie': that suite's current kernel). Repeat it to build for several: each module is written to DIR/RELEASE/NAME.ko. A file of"
            + " '--kernel RELEASE' lines can be given as @FILE."})
    List<String> releases = new ArrayList<>();

    @Option(names = "--all", description = "Build for every release installed on this host (a config in /boot and its headers).")
    boolean all;

    @Option(names = {"-n", "--name"}, paramLabel = "NAME", description = "Module name (default: klp4j_<patch name>).")
    String name;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = ".", description = "Where to write NAME.ko (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Mixin TreeOptions tree = new TreeOptions();

    @Option(names = "--symbols", paramLabel = "FILE", description = "System.map or /proc/kallsyms dump of the target kernel.")
    Path symbols;

    @Option(names = "--symvers", paramLabel = "FILE", description = "Module.symvers of the target (default: from linux-headers).")
    Path symvers;

    @Option(names = "--skip-cleanup", description = "Keep the work directory (objects, generated module source).")
    boolean skipCleanup;

    @Option(names = {"--no-replace", "-R", "--non-replace"}, description = "Stack on loaded patches instead of replacing them"
            + " (cumulative replace is the default; -R and --non-replace as in kpatch-build).")
    boolean noReplace;

    @Option(names = "--compile-only", description = "Stop after compiling the original and patched objects (no diff, no module).")
    boolean compileOnly;

    @Option(names = "--json", description = "Print a JSON summary on stdout (step lines go to stderr).")
    boolean json;

    @Option(names = "--accept", paramLabel = "RULE", description = {"Build although the review finds RULE unsafe (you have checked it):"
            + " type-layout, interface, data-semantics, endless-transition, inlining-fanout, not-patchable. Repeatable."})
    List<String> accept = new ArrayList<>();

    @Option(names = "--prove", description = {"Then boot the target kernel in the VM, load each module the patch targets,"
            + " load the patch, check it is enabled and every object patched, unload, check dmesg (as 'vm test')."})
    boolean prove;

    @Option(names = "--guest-runtime", defaultValue = "java", paramLabel = "java|shell",
            description = "With --prove: what loads the patch in the guest, klp4j's Java runtime or its busybox twin (default: ${DEFAULT-VALUE}).")
    String guestRuntime;

    @Spec CommandSpec spec;

    /**
     * Proves the built module in the VM and records the proof in {@code doc}; fails the command
     * ({@link ExitStatus#FAILED}) unless every phase held.
     */
    private void prove(BuildResult r, GuestRuntime runtime, PrintWriter out, Map<String, Object> doc) {
        KernelTree kernel = VmCommand.bootable(r.release());
        List<String> objects = r.objects().stream().map(ObjectReport::owner).distinct().toList();
        out.printf("proving %s on %s under QEMU (tcg)...%n", r.module(), r.release());
        out.flush();
        VmHarness.Outcome o = Failures.call(() -> VmProof.prove(kernel, Path.of(r.module()), Path.of(r.module()).getFileName()
                .toString().replaceFirst("\\.ko$", "").replace('-', '_'), objects, 300, runtime, p -> {
                    out.printf("  %-13s %s  %s%n", p.name(), p.passed() ? "pass" : "FAIL", p.detail());
                    out.flush();
                }));
        Map<String, Object> proof = new LinkedHashMap<>();
        proof.put("passed", o.passed());
        proof.put("seconds", o.millis() / 1000.0);
        proof.put("serialLog", o.serialLog() == null ? null : o.serialLog().toString());
        doc.put("proof", proof);
        VmCommand.report(o, false, out, "prove");
    }

    @Override
    public Integer call() {
        GuestRuntime runtime = VmCommand.guestRuntime(guestRuntime); // bad input fails before any work
        tree.validate();
        for (String a : accept) {
            if (Rule.byId(a).isEmpty()) {
                throw new UserError(ExitStatus.INPUT, "--accept " + a + ": no such review rule (one of: "
                        + java.util.Arrays.stream(Rule.values()).map(Rule::id).collect(java.util.stream.Collectors.joining(", ")) + ")");
            }
        }
        List<String> targets = new ArrayList<>(new LinkedHashSet<>(Failures.call(() -> releases.stream()
                .map(r -> SuiteKernels.resolve(r, CacheRoot.path())).toList())));
        if (all) {
            if (!targets.isEmpty()) throw new UserError(ExitStatus.INPUT, "--all and --kernel both name the targets: give one of them");
            targets.addAll(KernelRelease.installed(Path.of("/")));
            if (targets.isEmpty()) {
                throw new UserError(ExitStatus.INPUT, "--all: no kernel release has both a config in /boot and its headers"
                        + " (apt-get install linux-headers-RELEASE)");
            }
        }
        if (targets.size() > 1 && (tree.sourceDir != null || tree.config != null || symbols != null || symvers != null)) {
            throw new UserError(ExitStatus.INPUT, "-s, -c, --symbols and --symvers name one kernel's files: give them with a single --kernel");
        }
        // The files last of the cheap checks, still before any target is prepared.
        patch = InputFiles.joinPatches(patches);
        InputFiles.requireWritableDir("-o", outDir);
        // --json: one document per call whatever happens: the release's report, or an array of them.
        List<Map<String, Object>> docs = new ArrayList<>();
        if (targets.size() <= 1) {
            try {
                return buildOne(targets.isEmpty() ? null : targets.get(0), outDir, runtime, docs);
            } finally {
                if (json && !docs.isEmpty()) printJson(docs.get(0));
            }
        }
        // One module per release, each in a directory named by it: the same patch name on every host,
        // and no file that could be loaded on the wrong kernel.
        PrintWriter err = spec.commandLine().getErr();
        List<String> failed = new ArrayList<>();
        int status = ExitStatus.OK;
        for (String release : targets) {
            (json ? err : spec.commandLine().getOut()).printf("== %s%n", release);
            try {
                buildOne(release, outDir.resolve(release), runtime, docs);
            } catch (UserError e) {
                err.println("klp4j: " + release + ": " + e.getMessage());
                err.flush();
                failed.add(release);
                if (status == ExitStatus.OK) status = e.exitCode();
            }
        }
        if (json) printJson(docs);
        if (!failed.isEmpty()) {
            throw new UserError(status, "built for " + (targets.size() - failed.size()) + " of " + targets.size()
                    + " kernels; failed: " + String.join(", ", failed) + " (reasons above)");
        }
        return ExitStatus.OK;
    }

    private void printJson(Object doc) {
        spec.commandLine().getOut().println(Json.write(doc));
        spec.commandLine().getOut().flush();
    }

    /** Builds for one release; adds its --json document to {@code docs} (also when it fails: with the reason and exit status). */
    private int buildOne(String release, Path dir, GuestRuntime runtime, List<Map<String, Object>> docs) {
        BuildOptions o = new BuildOptions();
        o.patch = patch; o.release = release; o.name = name; o.outDir = dir;
        tree.applyTo(o);
        o.symbols = symbols; o.symvers = symvers;
        o.skipCleanup = skipCleanup; o.replace = !noReplace;
        if (compileOnly) o.stop = BuildOptions.Stop.COMPILE;
        o.accept = accept.stream().map(a -> Rule.byId(a).orElseThrow()).collect(java.util.stream.Collectors.toSet());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter steps = json ? spec.commandLine().getErr() : out;
        Map<String, Object> doc = new LinkedHashMap<>();
        // The report names its release even when the build fails before resolving it itself.
        if (release == null && tree.sourceDir == null && tree.config == null) {
            try {
                o.release = dev.klp4j.debian.KernelRelease.defaultRelease();
            } catch (Failure e) {
                // the target step says why, in its own words
            }
        }
        doc.put("release", o.release);
        docs.add(doc);
        try {
            boolean tty = !json && System.console() != null;
            BuildResult r = BuildPipeline.of(o, new StepPrinter(steps, tty)).run();
            // The report holds whatever the outcome: a refusal's reasons are part of it.
            doc.putAll(Json.mapper().convertValue(r, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() { }));
            switch (r.outcome()) {
                case REFUSED -> throw new UserError(ExitStatus.INPUT, r.reason());
                case NO_CHANGE -> throw new UserError(ExitStatus.NO_CHANGE, r.reason());
                case COMPILED -> { if (!json) out.printf("compiled, no module written (%.1f s)%n", r.seconds()); }
                default -> { if (!json) out.printf("wrote %s (%.1f s)%n", r.module(), r.seconds()); }
            }
            out.flush();
            if (prove && r.outcome() == BuildOutcome.BUILT) prove(r, runtime, steps, doc);
            doc.put("exit", ExitStatus.OK);
            return ExitStatus.OK;
        } catch (Failure e) {
            UserError u = new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
            failed(doc, u);
            throw u;
        } catch (UserError e) {
            failed(doc, e);
            throw e;
        }
    }

    /** A failed build's document: what it got to, the reason and the exit status. */
    private static void failed(Map<String, Object> doc, UserError e) {
        doc.putIfAbsent("outcome", "FAILED");
        doc.putIfAbsent("reason", e.getMessage());
        doc.put("exit", e.exitCode());
    }
}
