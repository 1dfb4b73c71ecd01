package dev.klp4j.update;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.vm.GuestRuntime;
import java.nio.file.Path;

/** What the user asked of one release's update (the CLI fills it from its options). */
public final class UpdateOptions {
    /** The release to update; null for the running kernel's. */
    public String release;
    /** The Debian source version to catch up to; null for the newest the release's suite has. */
    public String to;
    /** The module goes to {@code outDir/RELEASE/}, with update.json. */
    public Path outDir = Path.of(".");
    public int jobs = Runtime.getRuntime().availableProcessors();
    public boolean prove;
    public GuestRuntime guestRuntime = GuestRuntime.JAVA;
    public Path cacheRoot = CacheRoot.path();
    /** Where the compiles go: null for this machine, else the user's distributed compiler. */
    public dev.klp4j.kbuild.CompilerCluster cluster;

    /** klp4j_update_&lt;VERSION with '_'&gt;: named by the version it catches up to; it replaces any earlier update (replace mode). */
    public static String moduleName(String version) {
        return "klp4j_update_" + version.replaceAll("[^A-Za-z0-9]", "_");
    }
}
