package dev.klp4j.debian;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Toolchain;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's archive for one suite, seen through an apt configuration of klp4j's own
 * ({@code <cache>/apt/<suite>/}): the host's apt sources, package lists and dpkg database are never
 * touched, so a Debian 12 host can fetch Debian 13's kernel packages without its userland moving.
 * Packages are only downloaded, never installed.
 */
public final class SuiteArchive {
    /** Package lists older than this are fetched again (the archive gains a kernel update every few weeks). */
    private static final Duration FRESH = Duration.ofHours(12);
    private static final String KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg";
    private static final Pattern CANDIDATE = Pattern.compile("(?m)^\\s*Candidate:\\s*(\\S+)");

    private final DebianSuite suite;
    private final Path dir;

    public SuiteArchive(Path cacheRoot, DebianSuite suite) {
        this.suite = suite;
        this.dir = cacheRoot.resolve("apt").resolve(suite.codename());
    }

    public DebianSuite suite() { return suite; }

    /** The options that point apt at this configuration instead of the host's. */
    private List<String> options() {
        List<String> o = new ArrayList<>(CacheRoot.aptPackageCache(dir.resolve("cache")));
        o.addAll(List.of("-o", "Dir::Etc::SourceList=" + dir.resolve("sources.list"), "-o", "Dir::Etc::SourceParts=/dev/null",
                "-o", "Dir::State=" + dir.resolve("state"), "-o", "Dir::State::status=" + dir.resolve("state/status"),
                "-o", "Dir::Cache=" + dir.resolve("cache"), "-o", "APT::Architecture=amd64"));
        return o;
    }

    /**
     * Writes the configuration and fetches the package lists, unless fresh ones are there. Builds
     * that update at once take turns on apt's own lock in the configuration's state directory.
     */
    void update() {
        Path stamp = dir.resolve("updated");
        try {
            if (Files.exists(stamp) && Files.getLastModifiedTime(stamp).toInstant().isAfter(Instant.now().minus(FRESH))) return;
            Files.createDirectories(dir.resolve("state/lists/partial"));
            Files.createDirectories(dir.resolve("cache/archives/partial"));
            if (!Files.exists(dir.resolve("state/status"))) Files.writeString(dir.resolve("state/status"), "");
            String signed = "[signed-by=" + KEYRING + "]";
            Files.writeString(dir.resolve("sources.list"),
                    "deb " + signed + " http://deb.debian.org/debian " + suite.codename() + " main\n"
                            + "deb " + signed + " http://deb.debian.org/debian-security " + suite.codename() + "-security main\n");
        } catch (IOException e) {
            throw new Failure("apt configuration " + dir + ": " + e.getMessage());
        }
        List<String> cmd = new ArrayList<>(List.of("apt-get", "-q"));
        cmd.addAll(options());
        cmd.add("update");
        Toolchain.Result r = Exec.run(null, cmd);
        if (!r.ok()) {
            throw new Failure("cannot read " + suite + "'s package lists from deb.debian.org (" + r.tail(1).strip()
                    + "); check the network and " + KEYRING + " (package debian-archive-keyring)");
        }
        try {
            Files.writeString(stamp, "");
            Files.setLastModifiedTime(stamp, FileTime.from(Instant.now()));
        } catch (IOException e) {
            throw new Failure("apt configuration " + dir + ": " + e.getMessage());
        }
    }

    /**
     * apt-cache's answers per configuration, package and fetch of the lists: klp4j update resolves
     * its target for each of hundreds of fixes, and asks the same few packages each time.
     */
    private static final java.util.Map<String, java.util.Optional<String>> VERSIONS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The version of {@code pkg} the archive serves, or null when it has no such package. */
    public String version(String pkg) {
        update();
        String fetched;
        try {
            fetched = String.valueOf(Files.getLastModifiedTime(dir.resolve("updated")).toMillis());
        } catch (IOException e) {
            fetched = "?";
        }
        return VERSIONS.computeIfAbsent(dir + " " + pkg + " " + fetched, k -> {
            List<String> cmd = new ArrayList<>(List.of("apt-cache"));
            cmd.addAll(options());
            cmd.addAll(List.of("policy", pkg));
            Matcher m = CANDIDATE.matcher(Exec.run(null, cmd).output());
            return java.util.Optional.ofNullable(m.find() && !m.group(1).equals("(none)") ? m.group(1) : null);
        }).orElse(null);
    }

    /** Every version of {@code pkg} the archive keeps (the suite and its security updates), newest first. */
    public List<String> versions(String pkg) {
        update();
        List<String> cmd = new ArrayList<>(List.of("apt-cache"));
        cmd.addAll(options());
        cmd.addAll(List.of("madison", pkg));
        List<String> out = new ArrayList<>();
        for (String l : Exec.run(null, cmd).output().lines().toList()) {
            String[] f = l.split("\\|");
            if (f.length >= 3 && f[0].strip().equals(pkg) && !out.contains(f[1].strip())) out.add(f[1].strip());
        }
        return out;
    }

    /**
     * The kernel releases of one flavor the archive has images of (e.g. 6.1.0-53-amd64 ...
     * 6.1.0-57-amd64 for "amd64"), oldest first: what a user who named a missing one can pick from.
     */
    public List<String> releases(String flavor) {
        update();
        List<String> cmd = new ArrayList<>(List.of("apt-cache"));
        cmd.addAll(options());
        cmd.addAll(List.of("pkgnames", "linux-image-"));
        Pattern image = Pattern.compile("linux-image-(" + KernelRelease.VERSION + "-" + Pattern.quote(flavor) + ")");
        List<String> out = new ArrayList<>();
        for (String l : Exec.run(null, cmd).output().lines().toList()) {
            Matcher m = image.matcher(l.strip());
            if (m.matches()) out.add(m.group(1));
        }
        out.sort(DebianVersion::compare);
        return out;
    }

    /** The packages {@code pkg} depends on, by name (alternatives and versions left out). */
    public List<String> depends(String pkg) {
        update();
        List<String> cmd = new ArrayList<>(List.of("apt-cache"));
        cmd.addAll(options());
        cmd.addAll(List.of("depends", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces",
                "--no-enhances", pkg));
        List<String> out = new ArrayList<>();
        for (String l : Exec.run(null, cmd).output().lines().toList()) {
            String t = l.strip();
            if (t.startsWith("Depends: ") && !t.contains("<")) out.add(t.substring("Depends: ".length()).strip());
        }
        return out;
    }

    /** The downloader of this suite's packages, for {@link SourcePackages} and {@link TargetPackages}. */
    public SourcePackages.Downloader downloader() {
        return (pkg, version, into) -> {
            update();
            List<String> cmd = new ArrayList<>(List.of("apt-get", "-q"));
            cmd.addAll(options());
            cmd.addAll(List.of("download", version == null ? pkg : pkg + "=" + version));
            Toolchain.Result r = Exec.run(into, cmd);
            if (!r.ok()) {
                throw new Failure("cannot download " + pkg + (version == null ? "" : " " + version) + " from " + suite
                        + "'s archive (" + r.tail(1).strip() + ")");
            }
        };
    }
}
