package dev.klp4j.debian;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.CacheLock;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;

import dev.klp4j.base.Toolchain;
import dev.klp4j.kernel.KernelTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The files of a kernel release the host has not installed (of its own Debian suite or another), unpacked from its
 * packages into klp4j's cache ({@code <cache>/targets/<release>/root}: boot/, lib/modules/,
 * usr/src/linux-headers-*), laid out as an installed kernel so that {@code KernelTree} finds them
 * under that root. The packages come from the suite's own archive ({@link SuiteArchive}); nothing
 * is installed on the host.
 */
public final class TargetPackages {
    private final Path cacheRoot;

    public TargetPackages(Path cacheRoot) {
        this.cacheRoot = cacheRoot;
    }

    /** The archive of {@code suite}, as klp4j's own apt configuration sees it. */
    public SuiteArchive archive(DebianSuite suite) {
        return new SuiteArchive(cacheRoot, suite);
    }

    /** Source packages of {@code suite}, kept beside the host suite's in the cache. */
    public SourcePackages sources(DebianSuite suite) {
        return new SourcePackages(cacheRoot, archive(suite).downloader());
    }

    /**
     * The root under which {@code release}'s files are: {@code hostRoot} when it is installed there,
     * else the cache's root for it, fetched first when needed.
     */
    public Path rootFor(String release, Path hostRoot, Consumer<String> progress) {
        DebianSuite suite = fetchedSuite(release, hostRoot);
        return suite == null ? hostRoot : fetch(release, suite, progress);
    }

    /**
     * The suite to fetch {@code release} from: its own (Debian 12 or 13, the host's or not) when it
     * is not installed under {@code hostRoot}; null when it is installed, or its suite is unknown.
     * A fleet runs releases the build host has not installed; they come from the archive, never
     * through the host's apt.
     */
    static DebianSuite fetchedSuite(String release, Path hostRoot) {
        DebianSuite suite = DebianSuite.ofRelease(release).orElse(null);
        DebianSuite host = DebianSuite.host(hostRoot.resolve("etc/os-release")).orElse(null);
        if (suite == null || host == null) return null;
        KernelTree installed = KernelTree.of(release, hostRoot);
        if (Files.exists(installed.config()) || Files.exists(installed.buildDir().resolve("Makefile"))) return null;
        return suite;
    }

    /**
     * The toolchain of {@code suite}'s build root (made first unless cached), seeing klp4j's cache and
     * temp directory at their own paths, and the kbuild headers unpacked under {@code targetRoot}
     * (usr/src/linux-headers-*, usr/lib/linux-kbuild-*) where their absolute links point.
     */
    public Toolchain toolchain(DebianSuite suite, Path targetRoot, Consumer<String> progress) {
        Path root = new BuildRoot(cacheRoot, suite).ensure(progress);
        List<Toolchain.Mount> mounts = new ArrayList<>();
        mounts.add(new Toolchain.Mount(cacheRoot.toAbsolutePath(), cacheRoot.toAbsolutePath()));
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        mounts.add(new Toolchain.Mount(tmp, tmp));
        for (String dir : List.of("usr/src", "usr/lib")) {
            try (Stream<Path> s = Files.list(targetRoot.resolve(dir))) {
                s.filter(p -> p.getFileName().toString().startsWith("linux-")).sorted()
                        .forEach(p -> mounts.add(new Toolchain.Mount(p, Path.of("/" + dir).resolve(p.getFileName()))));
            } catch (IOException e) {
                throw new Failure("target files " + targetRoot.resolve(dir) + ": " + e.getMessage());
            }
        }
        return Toolchain.inRoot(root, mounts);
    }

    /** Where {@code release}'s files are unpacked. */
    public Path root(String release) {
        return cacheRoot.resolve("targets").resolve(release).resolve("root");
    }

    /**
     * The root holding {@code release}'s image and headers (and the headers' own dependencies:
     * the common headers and kbuild tools), fetched and unpacked first unless the cache holds them.
     */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public Path fetch(String release, DebianSuite suite, Consumer<String> progress) {
        Path root = root(release);
        if (Files.exists(root.resolveSibling("unpacked"))) return root;
        // Builds for one release take turns: the second finds what the first unpacked.
        try (CacheLock held = CacheLock.take(root.resolveSibling("lock"))) {
            return fetchHeld(release, suite, progress);
        }
    }

    private Path fetchHeld(String release, DebianSuite suite, Consumer<String> progress) {
        Path root = root(release);
        Path stamp = root.resolveSibling("unpacked");
        if (Files.exists(stamp)) return root;
        SuiteArchive archive = archive(suite);
        String image = "linux-image-" + release, headers = "linux-headers-" + release;
        if (archive.version(image) == null) {
            List<String> has = archive.releases(KernelRelease.flavor(release));
            throw new Failure(Failure.Kind.INPUT, "kernel " + release + ": " + suite + "'s archive has no " + image + " (no such release, or one"
                    + " the archive no longer keeps); it has " + (has.isEmpty() ? "none of that flavor" : String.join(", ", has)));
        }
        Set<String> packages = new LinkedHashSet<>(List.of(image, headers));
        // linux-headers-R is only the flavour's part: the common headers and the kbuild tools it
        // depends on are where its Makefile and scripts point.
        for (String d : archive.depends(headers)) if (d.startsWith("linux-headers-") || d.startsWith("linux-kbuild-")) packages.add(d);
        Path partial = root.resolveSibling("partial");
        try {
            if (Files.exists(partial)) FileTrees.delete(partial);
            if (Files.exists(root)) FileTrees.delete(root);
            Path debs = Files.createDirectories(partial.resolve("debs"));
            Path into = Files.createDirectories(partial.resolve("root"));
            SourcePackages.Downloader download = archive.downloader();
            for (String p : packages) {
                progress.accept("downloading " + p + " from " + suite);
                download.download(p, null, debs);
            }
            List<Path> files = new ArrayList<>();
            try (Stream<Path> s = Files.list(debs)) {
                s.filter(p -> p.toString().endsWith(".deb")).sorted().forEach(files::add);
            }
            for (Path deb : files) {
                Exec.check(partial, List.of("dpkg-deb", "-x", deb.toString(), into.toString()), "unpacking " + deb.getFileName());
            }
            // Debian 13 ships modules under usr/lib only (merged /usr): give the root the /lib a host has.
            if (!Files.exists(into.resolve("lib")) && Files.isDirectory(into.resolve("usr/lib"))) {
                Files.createSymbolicLink(into.resolve("lib"), Path.of("usr/lib"));
            }
            // modules.dep is made by the image's postinst, which an unpack does not run.
            Exec.check(partial, List.of("depmod", "-b", into.toString(), release), "depmod " + release);
            Files.move(into, root);
            FileTrees.delete(partial);
            Files.writeString(stamp, String.join("\n", packages) + "\n");
            return root;
        } catch (IOException e) {
            throw new Failure("target cache " + root + ": " + e.getMessage());
        }
    }
}
