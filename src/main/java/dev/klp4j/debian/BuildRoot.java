package dev.klp4j.debian;

import dev.klp4j.base.Toolchain;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.CacheLock;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

/**
 * A Debian userland of one suite with the tools a kernel build needs, made by Debian's own
 * {@code mmdebstrap} into klp4j's cache ({@code <cache>/roots/<suite>/}) once and reused: Debian
 * 13's kernels are compiled by its gcc 14, which a Debian 12 host does not have (and must not get:
 * its userland would move).
 */
public final class BuildRoot {
    /** What compiling objects of a Debian kernel and building a module against its headers use. */
    static final List<String> PACKAGES = List.of("gcc", "make", "bc", "bison", "flex", "libelf-dev", "libssl-dev", "python3",
            "kmod", "xz-utils", "cpio", "dwarves", "perl");

    private final Path dir;
    private final DebianSuite suite;

    public BuildRoot(Path cacheRoot, DebianSuite suite) {
        this.dir = cacheRoot.resolve("roots").resolve(suite.codename());
        this.suite = suite;
    }

    /** The root directory (complete once {@link #ensure} returned). */
    public Path dir() {
        return dir;
    }

    /** Makes the root unless the cache has it; returns it. Builds of one suite wait for each other. */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public Path ensure(Consumer<String> progress) {
        Path stamp = dir.resolveSibling(suite.codename() + ".made");
        if (Files.exists(stamp)) return dir;
        try {
            Files.createDirectories(dir.getParent());
            try (CacheLock held = CacheLock.take(dir.resolveSibling(suite.codename() + ".lock"))) {
                if (Files.exists(stamp)) return dir;
                if (Files.exists(dir)) FileTrees.delete(dir);
                if (!Files.isExecutable(Path.of("/usr/bin/mmdebstrap"))) {
                    throw new Failure("building for a " + suite + " kernel needs a " + suite.codename()
                            + " build root, made by mmdebstrap: apt-get install mmdebstrap (scripts/install-deps.sh does)");
                }
                progress.accept("making a " + suite + " build root with mmdebstrap (once; about 2 minutes)");
                Toolchain.Result r = Exec.run(null, List.of("mmdebstrap", "--variant=apt", "--include=" + String.join(",", PACKAGES),
                        suite.codename(), dir.toString(), "http://deb.debian.org/debian"));
                if (!r.ok()) {
                    throw new Failure(Failure.Kind.TOOL, "mmdebstrap " + suite.codename() + " failed: " + r.tail(3).strip());
                }
                Files.writeString(stamp, String.join(" ", PACKAGES) + "\n");
                return dir;
            }
        } catch (IOException e) {
            throw new Failure("build root " + dir + ": " + e.getMessage());
        }
    }
}
