package dev.klp4j.debian;

import dev.klp4j.base.Toolchain;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.CacheLock;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;

/**
 * Kernel source tarballs of any version Debian's archive keeps, side by side in klp4j's cache:
 * {@code <cache>/sources/<package>_<version>/<package>.tar.xz}. A host has one linux-source-6.1
 * installed, but a fleet runs several kernel updates; each needs the source it was built from.
 * The package is downloaded ({@code apt-get download}, which needs no root and installs nothing)
 * and only its tarball is kept.
 */
public final class SourcePackages {
    /** Downloads one package version into a directory; an interface so tests need no network. */
    public interface Downloader {
        /** Leaves {@code <pkg>_<version>_<arch>.deb} in {@code dir}, or throws a Failure saying why not. */
        void download(String pkg, String version, Path dir);

        Downloader APT = (pkg, version, dir) -> {
            Toolchain.Result r = Exec.run(dir, List.of("apt-get", "download", "-q", pkg + "=" + version));
            if (!r.ok()) {
                throw new Failure("cannot download " + pkg + " " + version + " from Debian's archive (" + r.tail(1).strip()
                        + "); run apt-get update, or pass -s SRCDIR with that kernel's source");
            }
        };
    }

    private final Path root;
    private final Downloader downloader;

    public SourcePackages(Path cacheRoot, Downloader downloader) {
        this.root = cacheRoot.resolve("sources");
        this.downloader = downloader;
    }

    /** Where the tarball of this version lives once fetched. */
    public Path tarball(String pkg, String version) {
        return root.resolve(pkg + "_" + version).resolve(pkg + ".tar.xz");
    }

    /** Where the package's Debian changelog lives once fetched, beside its tarball. */
    public Path changelogPath(String pkg, String version) {
        return tarball(pkg, version).resolveSibling("changelog.Debian.gz");
    }

    /**
     * The Debian changelog (gzip) of {@code pkg} at {@code version}: every entry up to that version,
     * with the upstream changes and CVE ids each update brought. Fetched with the tarball; an entry
     * cached before changelogs were kept is fetched again.
     */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public Path changelog(String pkg, String version, java.util.function.Consumer<String> progress) {
        Path changelog = changelogPath(pkg, version);
        if (Files.isRegularFile(changelog)) return changelog;
        Path dir = tarball(pkg, version).getParent();
        try (CacheLock held = CacheLock.take(dir.resolveSibling(dir.getFileName() + ".lock"))) {
            if (Files.isRegularFile(changelog)) return changelog;
            if (Files.exists(dir)) FileTrees.delete(dir);
            fetchHeld(pkg, version, progress);
        } catch (IOException e) {
            throw new Failure("source cache " + root + ": " + e.getMessage());
        }
        if (!Files.isRegularFile(changelog)) {
            throw new Failure(pkg + " " + version + " carries no usr/share/doc/" + pkg + "/changelog.Debian.gz: not a Debian kernel source package");
        }
        return changelog;
    }

    /** The tarball of {@code pkg} at {@code version}, downloaded first unless the cache holds it. */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public Path fetch(String pkg, String version, java.util.function.Consumer<String> progress) {
        Path tarball = tarball(pkg, version);
        if (Files.isRegularFile(tarball)) return tarball;
        // Builds that need one version take turns: the second finds what the first fetched.
        try (CacheLock held = CacheLock.take(tarball.getParent().resolveSibling(tarball.getParent().getFileName() + ".lock"))) {
            return fetchHeld(pkg, version, progress);
        }
    }

    private Path fetchHeld(String pkg, String version, java.util.function.Consumer<String> progress) {
        Path tarball = tarball(pkg, version);
        if (Files.isRegularFile(tarball)) return tarball;
        Path partial = tarball.getParent().resolveSibling(tarball.getParent().getFileName() + ".partial");
        try {
            if (Files.exists(partial)) FileTrees.delete(partial);
            Files.createDirectories(partial);
            progress.accept("downloading " + pkg + " " + version);
            downloader.download(pkg, version, partial);
            Path deb;
            try (Stream<Path> s = Files.list(partial)) {
                deb = s.filter(p -> p.getFileName().toString().endsWith(".deb")).findFirst()
                        .orElseThrow(() -> new Failure("apt-get download " + pkg + "=" + version + " left no .deb in " + partial));
            }
            Path unpacked = partial.resolve("root");
            Exec.check(partial, List.of("dpkg-deb", "-x", deb.toString(), unpacked.toString()), "unpacking " + deb.getFileName());
            Path inside = unpacked.resolve("usr/src/" + pkg + ".tar.xz");
            if (!Files.isRegularFile(inside)) {
                throw new Failure(deb.getFileName() + " holds no usr/src/" + pkg + ".tar.xz: not a Debian kernel source package");
            }
            Files.createDirectories(tarball.getParent());
            Path changelog = unpacked.resolve("usr/share/doc/" + pkg + "/changelog.Debian.gz");
            if (Files.isRegularFile(changelog)) Files.move(changelog, changelogPath(pkg, version), StandardCopyOption.REPLACE_EXISTING);
            // The tarball appears under its final name only when whole: a killed download leaves only *.partial.
            Files.move(inside, tarball.resolveSibling(tarball.getFileName() + ".tmp"), StandardCopyOption.REPLACE_EXISTING);
            Files.move(tarball.resolveSibling(tarball.getFileName() + ".tmp"), tarball, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.delete(partial);
            return tarball;
        } catch (IOException e) {
            throw new Failure("source cache " + root + ": " + e.getMessage());
        }
    }
}
