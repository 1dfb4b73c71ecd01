package dev.klp4j.pipeline;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.review.Rule;
import java.nio.file.Path;
import java.util.Set;

/** What the user asked of one build (the CLI fills it from its options). */
public final class BuildOptions {
    /** Where a build may stop before the module. */
    public enum Stop {
        /** Build the module. */
        MODULE,
        /** After compiling and deciding owners: checks that the patch applies and compiles. */
        COMPILE,
        /** After resolving symbols: everything but writing the module (klp4j update decides each fix so). */
        LINK,
        /** After the review (klp4j review). */
        REVIEW
    }

    public Path patch;
    public String release;
    public String name;
    public Path outDir = Path.of(".");
    public int jobs = Runtime.getRuntime().availableProcessors();
    public Path sourceDir, config, symbols, symvers;
    public boolean skipCleanup, replace = true;
    public Stop stop = Stop.MODULE;
    /** Rules whose unsafe findings the author has checked: they no longer stop the build. */
    public Set<Rule> accept = Set.of();
    public Path cacheRoot = CacheRoot.path();
    /**
     * Objects that finding the users of the patched headers may preprocess (after narrowing by
     * name) beyond which the build gives up rather than preprocess them (klp4j update bounds every
     * fix's cost so); unbounded for klp4j build.
     */
    public int maxPreprocessed = Integer.MAX_VALUE;
    /** Where the compiles go: null for this machine, else a distributed compiler the user set up. */
    public dev.klp4j.kbuild.CompilerCluster cluster;

    /** klp4j_&lt;patch file name without extension&gt;, made a valid module name. */
    public String moduleName() {
        if (name != null) return name;
        String base = patch.getFileName().toString().replaceFirst("\\.(patch|diff)$", "");
        String n = ("klp4j_" + base).replaceAll("[^A-Za-z0-9_]", "_");
        return n.length() > 55 ? n.substring(0, 55) : n;
    }
}
