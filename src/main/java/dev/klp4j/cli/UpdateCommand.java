package dev.klp4j.cli;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Failure;
import dev.klp4j.debian.SuiteKernels;
import dev.klp4j.kbuild.CompilerCluster;
import dev.klp4j.update.FixDecision;
import dev.klp4j.update.FixStatus;
import dev.klp4j.update.UpdateBuild;
import dev.klp4j.update.UpdateOptions;
import dev.klp4j.update.UpdateResult;
import dev.klp4j.vm.GuestRuntime;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** klp4j update: Debian's kernel update as one cumulative live patch for a release a host runs. */
@Command(name = "update", mixinStandardHelpOptions = true,
        description = {"Catch a running kernel release up with Debian's newer kernel source: cut the difference into fixes,"
                + " decide each (live-patched, needs-reboot, no-change, not-built), and build every live-patched one into"
                + " one replace-mode module, DIR/RELEASE/klp4j_update_<VERSION>.ko, with DIR/RELEASE/update.json.",
                "Exit 0: module written (and proven); 3: nothing to live patch, or the proof failed; 2: bad input; 4: a tool failed."})
final class UpdateCommand implements Callable<Integer> {
    @Option(names = {"-k", "--kernel"}, paramLabel = "RELEASE", description = {"Release to update (default: the one linux-image-amd64"
            + " points to; 'bookworm' or 'trixie': that suite's current kernel). Repeatable; @FILE reads '--kernel RELEASE' lines."})
    List<String> releases = new ArrayList<>();

    @Option(names = "--to", paramLabel = "VERSION", description = "Debian source version to catch up to (default: the newest"
            + " linux-source of the release's series in its suite, security updates included).")
    String to;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = ".", description = "Where DIR/RELEASE/ goes (default: ${DEFAULT-VALUE}).")
    Path outDir;

    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Parallel compile jobs (default: the number of CPUs).")
    Integer jobs;

    @Option(names = "--cluster", paramLabel = "distcc|icecream", description = {"Send the compiles to the distcc or icecream"
            + " cluster you set up (DISTCC_HOSTS or ~/.distcc/hosts; icecream's scheduler); raise -j to its slots."
            + " Kernels of the host's own suite only."})
    String cluster;

    @Option(names = "--prove", description = {"Then boot the release in the VM, load an earlier update of DIR/RELEASE if there is one,"
            + " load the new module (it must replace the earlier one), check every object is patched, unload, check dmesg."})
    boolean prove;

    @Option(names = "--guest-runtime", defaultValue = "java", paramLabel = "java|shell",
            description = "With --prove: what loads the patch in the guest (default: ${DEFAULT-VALUE}).")
    String guestRuntime;

    @Option(names = "--json", description = "Print each release's update.json on stdout (progress goes to stderr).")
    boolean json;

    @Spec CommandSpec spec;

    /** Why the last release was not updated: the one line a failed call ends with. */
    private String why;

    @Override
    public Integer call() {
        GuestRuntime runtime = VmCommand.guestRuntime(guestRuntime);
        if (jobs != null && jobs < 1) throw new UserError(ExitStatus.INPUT, "-j " + jobs + ": give at least one job");
        if (to != null && !to.matches("[0-9][A-Za-z0-9.+~:-]*")) {
            throw new UserError(ExitStatus.INPUT, "--to '" + to + "' is not a Debian version (e.g. 6.1.192-3)");
        }
        if (cluster != null) Failures.call(() -> CompilerCluster.of(cluster));
        InputFiles.requireWritableDir("-o", outDir); // before hours of compiling
        List<String> targets = new ArrayList<>(new LinkedHashSet<>(Failures.call(() -> releases.stream()
                .map(r -> SuiteKernels.resolve(r, CacheRoot.path())).toList())));
        if (targets.isEmpty()) targets.add(null);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = json ? spec.commandLine().getErr() : out;
        int status = ExitStatus.OK;
        List<String> failed = new ArrayList<>();
        List<Object> documents = new ArrayList<>();
        for (String release : targets) {
            if (targets.size() > 1) progress.printf("== %s%n", release);
            try {
                UpdateResult r = one(release, runtime, progress);
                documents.add(r.toJson());
                int s = statusOf(r);
                if (s != ExitStatus.OK) {
                    why = whyNot(r);
                    if (targets.size() > 1) spec.commandLine().getErr().println("klp4j: " + r.release() + ": " + why);
                    failed.add(r.release());
                    if (status == ExitStatus.OK) status = s;
                }
            } catch (UserError e) {
                if (targets.size() == 1) throw e;
                spec.commandLine().getErr().println("klp4j: " + release + ": " + e.getMessage());
                failed.add(String.valueOf(release));
                if (status == ExitStatus.OK) status = e.exitCode();
            }
        }
        // One document per call: an object for one release, an array for several.
        if (json) out.println(Json.write(documents.size() == 1 ? documents.get(0) : documents));
        out.flush();
        if (targets.size() > 1 && !failed.isEmpty()) {
            throw new UserError(status, "updated " + (targets.size() - failed.size()) + " of " + targets.size()
                    + " releases; not: " + String.join(", ", failed) + " (reasons above)");
        }
        if (status != ExitStatus.OK) throw new UserError(status, why);
        return status;
    }

    private UpdateResult one(String release, GuestRuntime runtime, PrintWriter progress) {
        UpdateOptions o = new UpdateOptions();
        o.release = release;
        o.to = to;
        o.outDir = outDir;
        if (jobs != null) o.jobs = jobs;
        if (cluster != null) o.cluster = CompilerCluster.of(cluster);
        o.prove = prove;
        o.guestRuntime = runtime;
        UpdateResult r;
        try {
            r = new UpdateBuild(o, new UpdatePrinter(progress, !json && System.console() != null)).run();
        } catch (Failure e) {
            throw new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
        }
        Path report = outDir.resolve(r.release()).resolve("update.json");
        write(report, Json.write(r.toJson()) + "\n");
        if (!json) table(r, report, progress);
        return r;
    }

    /** 0: a module (proven when asked); 3: nothing to live patch, or the proof failed. */
    private int statusOf(UpdateResult r) {
        if (r.module() == null) return ExitStatus.NO_CHANGE;
        if (prove && !r.proven()) return ExitStatus.FAILED;
        return ExitStatus.OK;
    }

    private String whyNot(UpdateResult r) {
        Path report = outDir.resolve(r.release()).resolve("update.json");
        if (r.fixes().isEmpty()) return r.release() + " is already at " + r.to() + ": nothing to live patch";
        if (r.module() == null) {
            return "nothing of " + r.from() + " -> " + r.to() + " can be live patched on " + r.release() + " (each fix's class and reason: "
                    + report + ")";
        }
        return "the proof of " + r.module() + " failed (the phases above; " + report + " says proven: false)";
    }

    private void table(UpdateResult r, Path report, PrintWriter out) {
        out.printf("%s: %s -> %s, %d fix(es)%n", r.release(), r.from(), r.to(), r.fixes().size());
        for (FixDecision f : r.fixes()) {
            String what = f.status() == FixStatus.LIVE_PATCHED ? String.join(" ", f.functions()) : f.reason();
            out.printf("  %-12s %-48s %s%s%n", f.status().id(), f.id(), what == null ? "" : what,
                    f.cves().isEmpty() ? "" : " [" + String.join(" ", f.cves()) + "]");
        }
        List<String> counts = new ArrayList<>();
        for (FixStatus s : FixStatus.values()) counts.add(r.count(s) + " " + s.id());
        out.println(String.join(", ", counts));
        out.printf("CVEs: %d live patched, %d need a reboot, %d not affected%n", r.livePatchedCves().size(), r.needsRebootCves().size(),
                r.notAffectedCves().size());
        if (r.module() != null) {
            out.printf("wrote %s%s%n", r.module(), prove ? (r.proven() ? " (proven" + (r.unchecked() == null ? ")" : "; " + r.unchecked().strip() + ")")
                    : " (the proof FAILED)") : "");
        }
        else if (r.fixes().isEmpty()) out.printf("%s is already at %s: nothing to do%n", r.release(), r.to());
        else out.println("nothing to live patch: no module written");
        out.printf("effective once loaded: %s%nreport: %s%n", r.effective(), report);
        out.flush();
    }

    /** Writes the whole file or nothing: a reader never sees half a report. */
    private static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            // a new file, not createTempFile's 0600: the report gets the user's umask
            Path tmp = file.resolveSibling(".update." + ProcessHandle.current().pid() + ".tmp");
            Files.writeString(tmp, text, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UserError(ExitStatus.TOOL, "cannot write " + file + ": " + e.getMessage());
        }
    }
}
