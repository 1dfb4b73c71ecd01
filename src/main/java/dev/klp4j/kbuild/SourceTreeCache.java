package dev.klp4j.kbuild;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.CacheLock;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;
import dev.klp4j.kernel.KernelTarget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/**
 * A configured and prepared kernel source tree, kept in {@code ~/.cache/klp4j/<release>/}:
 * {@code tree/} (unpacked linux-source + the target's .config, after {@code make olddefconfig}
 * and {@code make prepare}), {@code stamp} and {@code lock}.
 *
 * <p>The stamp is written last, after every step succeeded, and records what the tree was made
 * from (release, source, package versions, config digest). A tree without a matching stamp is a
 * half-made or stale cache: it is deleted and made again.
 *
 * <p>A build writes into the tree: it applies the patch in place while the patched side compiles
 * (and {@link PatchApplier} puts the files back, also after a crash), and kbuild leaves objects
 * and generated files. So whoever makes or uses the tree holds {@link #lock()}: one lock, owned
 * here, that serialises threads of this JVM and other processes alike.
 *
 * <p>With {@code -s SRCDIR} the given tree is used in place: it is configured and prepared once
 * and the stamp lives in the cache directory, keyed by the tree's path.
 */
public final class SourceTreeCache {
    private final Path cacheDir;
    private final KernelTarget target;
    private final int jobs;

    public SourceTreeCache(Path cacheDir, KernelTarget target, int jobs) {
        this.cacheDir = cacheDir;
        this.target = target;
        this.jobs = Math.max(1, jobs);
    }

    /** The cache directory of this target under {@code root}. */
    public static Path dirFor(Path root, KernelTarget target) {
        if (target.sourceDir() == null) return root.resolve(target.release());
        return root.resolve(target.release() + "-src-" + digest(target.sourceDir().toAbsolutePath().toString()).substring(0, 12));
    }

    public Path cacheDir() { return cacheDir; }

    /** The source tree (ready only after {@link #ensure()}). */
    public Path tree() {
        return target.sourceDir() != null ? target.sourceDir().toAbsolutePath() : cacheDir.resolve("tree");
    }

    public Path stampFile() { return cacheDir.resolve("stamp"); }

    /** What the stamp must say for the tree to be usable. */
    String expectedStamp() {
        try {
            return "klp4j source cache 2\n" + target.identity() + "configDigest=" + digest(Files.readString(target.config(), StandardCharsets.ISO_8859_1)) + "\n";
        } catch (IOException e) {
            throw new Failure(target.config() + ": cannot read: " + e.getMessage());
        }
    }

    /** True if the tree is complete and made from this target. */
    public boolean isReady() {
        try {
            return Files.isRegularFile(stampFile()) && Files.readString(stampFile()).equals(expectedStamp())
                    && Files.isRegularFile(tree().resolve(".config")) && Files.isRegularFile(tree().resolve("Makefile"));
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Makes the tree if it is missing, half-made or stale. Returns true if it had to be (re)made.
     * Holds the cache lock while checking and making, so a concurrent build waits, then finds it ready.
     */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public boolean ensure(java.util.function.Consumer<String> progress) {
        try (CacheLock held = lock()) {
            if (isReady()) return false;
            Files.deleteIfExists(stampFile());
            make(progress);
            Path tmp = cacheDir.resolve("stamp.tmp");
            Files.writeString(tmp, expectedStamp());
            Files.move(tmp, stampFile(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            throw new Failure("source cache " + cacheDir + ": " + e.getMessage());
        }
    }

    /**
     * Holds the cache exclusively until closed: builds of one release take turns, in this JVM or
     * another; reentrant (a build holds it and ensure() takes it again).
     */
    public CacheLock lock() {
        return CacheLock.take(cacheDir.resolve("lock"));
    }

    private void make(java.util.function.Consumer<String> progress) throws IOException {
        Path tree = tree();
        if (target.sourceDir() == null) {
            if (Files.exists(tree)) {
                progress.accept("removing half-made or stale source tree " + tree);
                FileTrees.delete(tree);
            }
            Path partial = cacheDir.resolve("tree.partial");
            if (Files.exists(partial)) FileTrees.delete(partial);
            Files.createDirectories(partial);
            progress.accept("unpacking " + target.sourceTarball());
            // Debian's tarball has many xz blocks, so xz unpacks it on all cores. What a build never reads is
            // left out: documentation (except the Kconfig it sources), other architectures' code
            // (their Kconfig files stay: crypto/Kconfig sources them), perf and selftests.
            String top = topDirectory(target.sourceTarball());
            // Anchored at the top directory: tar's * matches '/', and an unanchored */arch/... also took
            // nouveau's include/nvrm/.../nvidia/arch/ headers, so r535.c could not be compiled.
            Exec.check(partial, List.of("tar", "--use-compress-program=xz -T" + jobs, "-xf", target.sourceTarball().toString(),
                    "--strip-components=1", "--wildcards", "--anchored",
                    "--exclude=" + top + "/Documentation/[!K]*", "--exclude=" + top + "/arch/[!xK]*/*.[chS]",
                    "--exclude=" + top + "/arch/[!xK]*/*.dts*", "--exclude=" + top + "/arch/xtensa/*.[chS]",
                    "--exclude=" + top + "/tools/testing", "--exclude=" + top + "/tools/perf"), "unpacking the kernel source");
            Files.move(partial, tree, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.copy(target.config(), tree.resolve(".config"), StandardCopyOption.REPLACE_EXISTING);
        progress.accept("configuring (make olddefconfig)");
        Exec.check(target.toolchain(), tree, List.of("make", "-s", "olddefconfig"), "make olddefconfig");
        progress.accept("preparing (make prepare)");
        Exec.check(target.toolchain(), tree, List.of("make", "-s", "-j" + jobs, "prepare"), "make prepare");
    }

    /** The directory Debian's linux-source tarball holds everything under: its name without {@code .tar.*}. */
    static String topDirectory(Path tarball) {
        String name = tarball.getFileName().toString();
        int tar = name.indexOf(".tar");
        return tar > 0 ? name.substring(0, tar) : name;
    }

    static String digest(String s) {
        return dev.klp4j.base.FileDigest.sha256(s);
    }
}
