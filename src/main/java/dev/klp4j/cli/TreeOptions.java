package dev.klp4j.cli;

import dev.klp4j.pipeline.BuildOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options build and review share for where and how the kernel tree is compiled (kpatch-build's spellings). */
final class TreeOptions {
    @Option(names = {"-j", "--jobs"}, paramLabel = "N", description = "Parallel compile jobs (default: number of CPUs).")
    Integer jobs;

    @Option(names = {"-s", "--sourcedir"}, paramLabel = "SRCDIR", description = "Use this kernel source tree instead of linux-source (prepared in place).")
    Path sourceDir;

    @Option(names = {"-c", "--config"}, paramLabel = "CONFIG", description = "Kernel config (default: /boot/config-RELEASE).")
    Path config;

    @Option(names = "--cluster", paramLabel = "distcc|icecream", description = {"Send the compiles to the distcc or icecream"
            + " cluster you set up (DISTCC_HOSTS or ~/.distcc/hosts; icecream's scheduler); raise -j to its slots."
            + " Kernels of the host's own suite only."})
    String cluster;

    /** Fails on values no build can use, before any work. */
    void validate() {
        if (cluster != null) Failures.call(() -> dev.klp4j.kbuild.CompilerCluster.of(cluster));
        if (jobs != null && jobs < 1) throw new UserError(ExitStatus.INPUT, "-j " + jobs + ": the number of parallel jobs must be 1 or more");
    }

    /** Sets these options on {@code o}. */
    void applyTo(BuildOptions o) {
        validate();
        if (jobs != null) o.jobs = jobs;
        o.sourceDir = sourceDir;
        o.config = config;
        if (cluster != null) o.cluster = dev.klp4j.kbuild.CompilerCluster.of(cluster);
    }
}
