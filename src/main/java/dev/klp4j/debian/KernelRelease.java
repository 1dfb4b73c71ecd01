package dev.klp4j.debian;

import java.util.Map;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Toolchain;

import dev.klp4j.kernel.KernelTree;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which kernel release klp4j targets by default: the one Debian's {@code linux-image-amd64}
 * meta-package depends on (as installed, else as apt knows it: {@code apt-cache depends
 * linux-image-amd64}), else the newest {@code /boot/vmlinuz-*}. Never hard-coded; {@code --kernel RELEASE} overrides it.
 * Shared by the {@code vm}, {@code runtime} and {@code build} packages (no dependencies).
 */
public final class KernelRelease {
    private static final Pattern APT_DEPENDS = Pattern.compile("Depends:\\s*linux-image-(\\d[^\\s]*)");
    private static final Pattern RELEASE = Pattern.compile("[0-9][0-9A-Za-z._+~-]*");

    private KernelRelease() {}

    /** The explicit release when given (validated), else the default one. */
    /** The version part of a Debian release name: 6.1.0-57 or 6.12.118+deb13 (with a +deb13u1 kind of suffix). */
    static final String VERSION = "\\d+\\.\\d+\\.\\d+(?:-\\d+|\\+deb\\d+(?:u\\d+)?)";

    /** The flavor of a Debian release name ("6.1.0-57-cloud-amd64" -> "cloud-amd64"), or "" when it is none. */
    public static String flavor(String release) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^" + VERSION + "-(.+)$").matcher(release);
        return m.matches() ? m.group(1) : "";
    }

    public static String resolve(String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            if (!RELEASE.matcher(explicit).matches()) {
                throw new Failure("'" + explicit + "' is not a kernel release (like "
                        + "6.1.0-56-amd64): see 'ls /boot/vmlinuz-*'");
            }
            return explicit;
        }
        return defaultRelease();
    }

    /** The default release: linux-image-amd64's target (installed, else apt's), else the newest kernel in /boot. */
    public static String defaultRelease() {
        // The installed meta-package names the kernel whose packages are here; apt-cache may
        // already know a newer one after an 'apt-get update' that was not followed by an upgrade.
        Optional<String> installed = fromDpkgOutput(run("dpkg-query", "-W", "-f=${Status}\t${Depends}", "linux-image-amd64"));
        if (installed.isPresent()) return installed.get();
        List<String> aptCache = new java.util.ArrayList<>(List.of("apt-cache"));
        Path pkgcache = CacheRoot.path().resolve("apt/host");
        try {
            Files.createDirectories(pkgcache);
            aptCache.addAll(CacheRoot.aptPackageCache(pkgcache));
        } catch (IOException e) {
            // No cache of our own: apt-cache reads the lists as the host's configuration says.
        }
        aptCache.addAll(List.of("depends", "linux-image-amd64"));
        Optional<String> apt = fromAptCacheOutput(run(aptCache.toArray(String[]::new)));
        if (apt.isPresent()) return apt.get();
        return newestInBoot(Path.of("/boot")).orElseThrow(() -> new Failure(
                "cannot tell the target kernel: apt-cache knows no linux-image-amd64 and /boot has no vmlinuz-*;"
                        + " pass --kernel RELEASE or run scripts/install-deps.sh kernel"));
    }

    /** Parses {@code apt-cache depends linux-image-amd64} output. */
    public static Optional<String> fromAptCacheOutput(String output) {
        if (output == null) return Optional.empty();
        Matcher m = APT_DEPENDS.matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** Parses {@code dpkg-query -W -f='${Status}\t${Depends}' linux-image-amd64} output. */
    public static Optional<String> fromDpkgOutput(String output) {
        if (output == null || !output.contains("install ok installed")) return Optional.empty();
        Matcher m = Pattern.compile("linux-image-(\\d[^\\s,(]*)").matcher(output);
        return m.find() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /** The newest release with a {@code vmlinuz-RELEASE} in {@code boot}, by version order. */
    public static Optional<String> newestInBoot(Path boot) {
        if (!Files.isDirectory(boot)) return Optional.empty();
        try (Stream<Path> files = Files.list(boot)) {
            List<String> releases = files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("vmlinuz-"))
                    .map(n -> n.substring("vmlinuz-".length()))
                    .sorted(DebianVersion::compare)
                    .toList();
            return releases.isEmpty() ? Optional.empty() : Optional.of(releases.get(releases.size() - 1));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * The releases installed under {@code root} that a patch can be built for: a config in boot/ and
     * a kbuild tree (lib/modules/R/build) beside it, in version order.
     */
    public static List<String> installed(Path root) {
        try (Stream<Path> files = Files.list(root.resolve("boot"))) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("config-"))
                    .map(n -> n.substring("config-".length()))
                    .filter(r -> Files.isRegularFile(KernelTree.of(r, root).buildDir().resolve("Makefile")))
                    .sorted(DebianVersion::compare)
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** A package-database query's output, or null when the tool is missing or fails. */
    private static String run(String... cmd) {
        try {
            Toolchain.Result r = Toolchain.HOST.run(null, List.of(cmd), Map.of(), new byte[0]);
            return r.ok() ? r.output() : null;
        } catch (Failure e) {
            return null;
        }
    }
}
