package dev.klp4j.debian;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.kernel.KernelTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the {@link KernelTarget} a patch is built for. By default everything comes from Debian's
 * packages: vmlinuz, System.map and config from {@code linux-image-<release>}, kbuild and
 * Module.symvers from {@code linux-headers-<release>}, source from {@code linux-source-<major.minor>}
 * at the image's own version (fetched into the cache when another is installed), and a release of
 * another suite from that suite's archive, compiled in a build root of it. Each path can be
 * overridden (kpatch-build's {@code -s} and {@code -c}, plus {@code --symbols} and {@code --symvers})
 * for a kernel not installed from packages.
 */
public final class TargetResolver {
    String release;
    Path sourceTarball, sourceDir, config, systemMap, symvers, kbuildDir, modulesDir, vmlinuz;
    boolean symbolsGiven;
    String imageVersion, sourceVersion;
    Path root = Path.of("/");
    PackageQuery packages = PackageQuery.DPKG;
    SourcePackages sources;
    TargetPackages otherSuites;
    DebianSuite otherSuite;              // set when the release's files were fetched from another suite
    Toolchain toolchain = Toolchain.HOST;
    java.util.function.Consumer<String> progress = msg -> { };

    /**
     * A resolver for {@code release} as klp4j's commands use it: sources of other versions and
     * releases of other suites fetched into {@code cacheRoot}.
     */
    public static TargetResolver cached(String release, Path cacheRoot) {
        return new TargetResolver().release(release).sources(new SourcePackages(cacheRoot, SourcePackages.Downloader.APT))
                .otherSuites(new TargetPackages(cacheRoot));
    }

    public TargetResolver release(String r) { this.release = r; return this; }
    public TargetResolver sourceDir(Path p) { this.sourceDir = p; return this; }
    public TargetResolver config(Path p) { this.config = p; return this; }
    public TargetResolver systemMap(Path p) { this.systemMap = p; return this; }
    public TargetResolver symvers(Path p) { this.symvers = p; return this; }
    /** For tests: a fake filesystem root and package database. */
    public TargetResolver root(Path r) { this.root = r; return this; }
    public TargetResolver packages(PackageQuery q) { this.packages = q; return this; }
    /** Where source packages of versions other than the installed one are fetched to (none: refuse them). */
    public TargetResolver sources(SourcePackages s) { this.sources = s; return this; }
    public TargetResolver progress(java.util.function.Consumer<String> p) { this.progress = p; return this; }
    /** Where kernels of another Debian suite than the host's are fetched to (none: refuse them). */
    public TargetResolver otherSuites(TargetPackages t) { this.otherSuites = t; return this; }

    public KernelTarget resolve() {
        List<String> warnings = new ArrayList<>();
        if (release == null) release = packages.defaultRelease();
        if (release == null || release.isBlank()) {
            throw new Failure("cannot tell the kernel release: 'apt-cache depends linux-image-amd64' names no "
                    + "linux-image-<release> (run apt-get update, or pin one with --kernel RELEASE)");
        }
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
        if (!m.find()) throw new Failure("'" + release + "' does not look like a kernel release (e.g. 6.1.0-56-amd64)");
        String series = m.group(1) + "." + m.group(2);

        fetchOtherSuite();
        // Where the release's files are is KernelTree's to say (the VM boots from the same paths).
        KernelTree files = KernelTree.of(release, root);
        if (config == null) config = files.config();
        symbolsGiven = systemMap != null;
        if (systemMap == null) systemMap = files.systemMap();
        vmlinuz = files.vmlinuz();
        if (symbolsGiven) require(systemMap, "symbol map", "(the file given with --symbols)");
        modulesDir = files.modulesDir();
        kbuildDir = files.buildDir();
        if (symvers == null) symvers = kbuildDir.resolve("Module.symvers");
        if (!Files.exists(config) && !Files.exists(kbuildDir.resolve("Makefile"))) {
            if (DebianSuite.ofRelease(release).isEmpty() && otherSuites != null) {
                // Not a Debian release name at all (a typo): installing it would fail too; say which exist.
                DebianSuite host = DebianSuite.host(root.resolve("etc/os-release")).orElse(DebianSuite.BOOKWORM);
                List<String> has = otherSuites.archive(host).releases(KernelRelease.flavor(release).isEmpty() ? "amd64" : KernelRelease.flavor(release));
                throw new Failure(Failure.Kind.INPUT, "kernel " + release + ": no such Debian release (Debian 12's are named like 6.1.0-57-amd64,"
                        + " Debian 13's like 6.12.118+deb13-amd64); " + host + "'s archive has " + String.join(", ", has));
            }
            // Nothing of this kernel is here: name both packages at once rather than one per run.
            throw new Failure("kernel " + release + " is not installed (no " + config + ", no " + kbuildDir
                    + "): apt-get install linux-image-" + release + " linux-headers-" + release);
        }
        require(config, "kernel config", "linux-image-" + release + " (or pass -c CONFIG)");
        String kernelCc = CompilerMatch.kernelCompiler(config);
        CompilerMatch cc = CompilerMatch.of(kernelCc, packages.compilerVersion("gcc"));
        String where = "this host's gcc";
        if (otherSuite != null) {
            // A fetched kernel is compiled by its suite's gcc, in a build root of it.
            toolchain = otherSuites.toolchain(otherSuite, root, progress);
            cc = CompilerMatch.of(kernelCc, firstLine(Exec.run(toolchain, null, List.of("gcc", "--version"))));
            where = "the " + otherSuite.codename() + " build root's gcc";
        }
        switch (cc.verdict()) {
            case OTHER -> throw new Failure("kernel " + release + " was built by " + cc.kernel() + " but " + where + " is "
                    + (cc.host() == null ? "missing" : cc.host()) + ": objects from another compiler are not the running kernel's; "
                    + "build on a host with gcc " + CompilerMatch.release(cc.kernel()) + " (the kernel's Debian release)");
            case SAME_RELEASE -> warnings.add("kernel " + release + " was built by " + cc.kernel() + "; " + where + " is "
                    + cc.host() + " (same release, another Debian revision)");
            default -> { }
        }
        require(kbuildDir.resolve("Makefile"), "kbuild directory", "linux-headers-" + release);
        require(symvers, "Module.symvers", "linux-headers-" + release + " (or pass --symvers FILE)");

        if (sourceDir != null) {
            if (!Files.isRegularFile(sourceDir.resolve("Makefile")) || !Files.isDirectory(sourceDir.resolve("kernel"))) {
                throw new Failure(sourceDir + ": not a kernel source tree (no Makefile and kernel/)");
            }
        } else {
            String srcPkg = "linux-source-" + series;
            Path installed = root.resolve("usr/src/" + srcPkg + ".tar.xz");
            imageVersion = packages.version("linux-image-" + release);
            String installedVersion = Files.isRegularFile(installed) ? packages.version(srcPkg) : null;
            if (imageVersion == null) {
                // A kernel not installed from Debian's packages: its source version cannot be known.
                require(installed, "kernel source", srcPkg + " (or pass -s SRCDIR)");
                sourceTarball = installed;
                sourceVersion = installedVersion;
                warnings.add("linux-image-" + release + " is not an installed package: cannot check the source version");
            } else if (imageVersion.equals(installedVersion)) {
                sourceTarball = installed;
                sourceVersion = installedVersion;
            } else if (sources != null) {
                // The source this image was built from, kept beside other versions in the cache.
                sourceTarball = sources.fetch(srcPkg, imageVersion, progress);
                sourceVersion = imageVersion;
            } else {
                throw new Failure(srcPkg + " " + (installedVersion == null ? "is not installed" : "is version " + installedVersion)
                        + " but linux-image-" + release + " is " + imageVersion + ": the source does not match the kernel; install "
                        + srcPkg + "=" + imageVersion + " (or pass -s SRCDIR with the matching source)");
            }
        }
        return new KernelTarget(release, sourceDir == null ? sourceTarball : null, sourceDir, config, systemMap, vmlinuz,
                symbolsGiven, symvers, kbuildDir, modulesDir, imageVersion, sourceVersion, toolchain, List.copyOf(warnings));
    }

    /**
     * A release not installed here (6.12.117+deb13-amd64 on Debian 12, or an older 6.1.0-N) does not
     * come from the host's apt: its packages are unpacked into the cache, its source comes from its
     * own suite's archive, and it is compiled in a build root of that suite (the headers' absolute
     * links point into /usr, which the root provides).
     */
    private void fetchOtherSuite() {
        DebianSuite suite = TargetPackages.fetchedSuite(release, root);
        if (suite == null) return;
        boolean hostSuite = DebianSuite.host(root.resolve("etc/os-release")).map(suite::equals).orElse(false);
        if (otherSuites == null) {
            if (hostSuite) return; // said below: not installed, with the packages to install
            throw new Failure("kernel " + release + " is a " + suite + " kernel and this host runs "
                    + DebianSuite.host(root.resolve("etc/os-release")).map(Object::toString).orElse("another release")
                    + ": its packages cannot be installed here; build on " + suite);
        }
        root = otherSuites.fetch(release, suite, progress);
        otherSuite = suite;
        SuiteArchive archive = otherSuites.archive(suite);
        PackageQuery host0 = packages;
        packages = new PackageQuery() {
            @Override public String defaultRelease() { return release; }
            @Override public String version(String pkg) { return archive.version(pkg); }
            @Override public String compilerVersion(String command) { return host0.compilerVersion(command); }
        };
        sources = otherSuites.sources(suite);
    }

    private static String firstLine(Toolchain.Result r) {
        return r.ok() ? r.output().lines().findFirst().orElse(null) : null;
    }

    private static void require(Path p, String what, String from) {
        if (!Files.exists(p)) throw new Failure(what + " not found at " + p + ": install " + from);
    }

/** Questions asked of the package database; an interface so tests can answer them. */
public interface PackageQuery {
    /** The release linux-image-amd64 depends on, or null. */
    String defaultRelease();

    /** The installed version of a package, or null if it is not installed. */
    String version(String pkg);

    /** The first line of {@code command --version}, or null when there is no such command. */
    default String compilerVersion(String command) {
        try {
            Toolchain.Result r = Exec.run(null, List.of(command, "--version"));
            return r.ok() && !r.output().isBlank() ? r.output().lines().findFirst().orElse(null) : null;
        } catch (Failure e) {
            return null; // not installed
        }
    }

    PackageQuery DPKG = new PackageQuery() {
        @Override
        public String defaultRelease() {
            try {
                return KernelRelease.defaultRelease();
            } catch (Failure e) {
                return null;
            }
        }

        @Override
        public String version(String pkg) {
            Toolchain.Result r = Exec.run(null, List.of("dpkg-query", "-W", "-f=${Status}\\t${Version}", pkg));
            if (!r.ok()) return null;
            String[] f = r.output().strip().split("\t");
            return f.length == 2 && f[0].contains("install ok installed") ? f[1] : null;
        }
    };

    /** Static answers, for tests. */
    static PackageQuery fixed(String release, Map<String, String> versions) {
        return fixed(release, versions, null);
    }

    /** As {@link #fixed(String, Map)}, with this host gcc's --version line (null: none installed). */
    static PackageQuery fixed(String release, Map<String, String> versions, String gcc) {
        return new PackageQuery() {
            @Override public String defaultRelease() { return release; }
            @Override public String version(String pkg) { return versions.get(pkg); }
            @Override public String compilerVersion(String command) { return gcc; }
        };
    }
}
}
