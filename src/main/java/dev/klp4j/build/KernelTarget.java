package dev.klp4j.build;

import dev.klp4j.kernel.Toolchain;
import dev.klp4j.kernel.DebianSuite;
import dev.klp4j.kernel.KernelException;
import dev.klp4j.kernel.KernelRelease;
import dev.klp4j.kernel.KernelTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel a patch is built for: its release and where its files are. By default everything
 * comes from Debian's packages: vmlinuz, System.map and config from {@code linux-image-<release>},
 * kbuild and Module.symvers from {@code linux-headers-<release>}, source from
 * {@code linux-source-<major.minor>}. Each path can be overridden (kpatch-build's {@code -s} and
 * {@code -c}, plus {@code --symbols} and {@code --symvers}) for a kernel not installed from packages.
 */
public final class KernelTarget {
    private final String release;
    private final Path sourceTarball;   // null when a source dir is given
    private final Path sourceDir;       // null when the tarball is used
    private final Path config;
    private final Path systemMap;
    private final Path vmlinuz;
    private final Path symvers;
    private final Path kbuildDir;
    private final Path modulesDir;
    private final boolean symbolsGiven;
    private final String imageVersion;  // package versions, null when not from packages
    private final String sourceVersion;
    private final List<String> warnings;
    private final Toolchain toolchain;

    private KernelTarget(Builder b, List<String> warnings) {
        this.release = b.release;
        this.sourceDir = b.sourceDir;
        this.sourceTarball = b.sourceDir == null ? b.sourceTarball : null;
        this.config = b.config;
        this.systemMap = b.systemMap;
        this.vmlinuz = b.vmlinuz;
        this.symvers = b.symvers;
        this.kbuildDir = b.kbuildDir;
        this.modulesDir = b.modulesDir;
        this.symbolsGiven = b.symbolsGiven;
        this.imageVersion = b.imageVersion;
        this.sourceVersion = b.sourceVersion;
        this.warnings = List.copyOf(warnings);
        this.toolchain = b.toolchain;
    }

    public String release() { return release; }
    /** The linux-source tarball to unpack, or null when {@link #sourceDir()} is set. */
    public Path sourceTarball() { return sourceTarball; }
    /** A source tree given with -s, or null. */
    public Path sourceDir() { return sourceDir; }
    public Path config() { return config; }
    public Path systemMap() { return systemMap; }
    /** The kernel image; its kallsyms tables stand in for a missing System.map. */
    public Path vmlinuz() { return vmlinuz; }
    /** True when the user named the symbol map (--symbols). */
    public boolean symbolsGiven() { return symbolsGiven; }
    public Path symvers() { return symvers; }
    /** The target's kbuild directory (/lib/modules/REL/build) used to build the patch module. */
    public Path kbuildDir() { return kbuildDir; }
    /** /lib/modules/REL: modules.order, modules.builtin and the modules themselves. */
    public Path modulesDir() { return modulesDir; }
    public String imageVersion() { return imageVersion; }
    public String sourceVersion() { return sourceVersion; }
    /** Where this kernel's objects and modules are compiled: the host, or a build root of its suite. */
    public Toolchain toolchain() { return toolchain; }
    /** Notes worth showing the user (e.g. a version mismatch that was overridden). */
    public List<String> warnings() { return warnings; }

    /** A key naming this exact kernel + source + config, for the source-tree cache's stamp. */
    public String identity() {
        return "release=" + release + "\nsource=" + (sourceDir != null ? sourceDir : sourceTarball)
                + "\nsourceVersion=" + sourceVersion + "\nimageVersion=" + imageVersion + "\nconfig=" + config + "\n";
    }

    /** Options that pin or override parts of the target. */
    public static final class Builder {
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

        public Builder release(String r) { this.release = r; return this; }
        public Builder sourceDir(Path p) { this.sourceDir = p; return this; }
        public Builder config(Path p) { this.config = p; return this; }
        public Builder systemMap(Path p) { this.systemMap = p; return this; }
        public Builder symvers(Path p) { this.symvers = p; return this; }
        /** For tests: a fake filesystem root and package database. */
        public Builder root(Path r) { this.root = r; return this; }
        public Builder packages(PackageQuery q) { this.packages = q; return this; }
        /** Where source packages of versions other than the installed one are fetched to (none: refuse them). */
        public Builder sources(SourcePackages s) { this.sources = s; return this; }
        public Builder progress(java.util.function.Consumer<String> p) { this.progress = p; return this; }
        /** Where kernels of another Debian suite than the host's are fetched to (none: refuse them). */
        public Builder otherSuites(TargetPackages t) { this.otherSuites = t; return this; }

        public KernelTarget resolve() {
            List<String> warnings = new ArrayList<>();
            if (release == null) release = packages.defaultRelease();
            if (release == null || release.isBlank()) {
                throw new BuildException("cannot tell the kernel release: 'apt-cache depends linux-image-amd64' names no "
                        + "linux-image-<release> (run apt-get update, or pin one with --kernel RELEASE)");
            }
            Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(release);
            if (!m.find()) throw new BuildException("'" + release + "' does not look like a kernel release (e.g. 6.1.0-56-amd64)");
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
                // Nothing of this kernel is here: name both packages at once rather than one per run.
                throw new BuildException("kernel " + release + " is not installed (no " + config + ", no " + kbuildDir
                        + "): apt-get install linux-image-" + release + " linux-headers-" + release);
            }
            require(config, "kernel config", "linux-image-" + release + " (or pass -c CONFIG)");
            String kernelCc = CompilerMatch.kernelCompiler(config);
            CompilerMatch cc = CompilerMatch.of(kernelCc, packages.compilerVersion("gcc"));
            String where = "this host's gcc";
            if (cc.verdict() == CompilerMatch.Verdict.OTHER && otherSuite != null) {
                // Another suite's kernel is compiled by that suite's gcc, in a build root of it.
                toolchain = otherSuites.toolchain(otherSuite, root, progress);
                cc = CompilerMatch.of(kernelCc, firstLine(Exec.run(toolchain, null, List.of("gcc", "--version"))));
                where = "the " + otherSuite.codename() + " build root's gcc";
            }
            switch (cc.verdict()) {
                case OTHER -> throw new BuildException("kernel " + release + " was built by " + cc.kernel() + " but " + where + " is "
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
                    throw new BuildException(sourceDir + ": not a kernel source tree (no Makefile and kernel/)");
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
                    throw new BuildException(srcPkg + " " + (installedVersion == null ? "is not installed" : "is version " + installedVersion)
                            + " but linux-image-" + release + " is " + imageVersion + ": the source does not match the kernel; install "
                            + srcPkg + "=" + imageVersion + " (or pass -s SRCDIR with the matching source)");
                }
            }
            return new KernelTarget(this, warnings);
        }

        /**
         * A release of another Debian suite than the host's (6.12.117+deb13-amd64 on Debian 12),
         * not installed here, cannot come from the host's apt: its packages are unpacked into the
         * cache and its source comes from its own suite's archive.
         */
        private void fetchOtherSuite() {
            DebianSuite suite = TargetPackages.otherSuite(release, root);
            if (suite == null) return;
            if (otherSuites == null) {
                throw new BuildException("kernel " + release + " is a " + suite + " kernel and this host runs "
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

        private static String firstLine(Exec.Result r) {
            return r.ok() ? r.output().lines().findFirst().orElse(null) : null;
        }

        private static void require(Path p, String what, String from) {
            if (!Files.exists(p)) throw new BuildException(what + " not found at " + p + ": install " + from);
        }
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
                Exec.Result r = Exec.run(null, List.of(command, "--version"));
                return r.ok() && !r.output().isBlank() ? r.output().lines().findFirst().orElse(null) : null;
            } catch (BuildException e) {
                return null; // not installed
            }
        }

        PackageQuery DPKG = new PackageQuery() {
            @Override
            public String defaultRelease() {
                try {
                    return KernelRelease.defaultRelease();
                } catch (KernelException e) {
                    return null;
                }
            }

            @Override
            public String version(String pkg) {
                Exec.Result r = Exec.run(null, List.of("dpkg-query", "-W", "-f=${Status}\\t${Version}", pkg));
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
