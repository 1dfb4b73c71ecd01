package dev.klp4j.fleet;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.debian.DebianVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/**
 * A signed apt repository whose suites are rollout rings (canary, stable, ...), made with
 * apt-ftparchive and gpg. Each ring has its own pool directory; promoting a package links the very
 * file into the next ring's pool (same bytes, same hashes). Every version stays, so a host can
 * install an earlier one to roll back. After each change every ring's index is made again and
 * signed (InRelease, Release.gpg) with a fresh Valid-Until, and the public key is written to
 * {@value #KEY_FILE} for {@code deb [signed-by=...]}.
 *
 * <pre>
 * REPO/pool/RING/*.deb
 * REPO/dists/RING/{InRelease,Release,Release.gpg}
 * REPO/dists/RING/main/binary-amd64/Packages{,.gz}
 * REPO/klp4j-archive-keyring.asc
 * </pre>
 */
public final class AptRepository {
    public static final String KEY_FILE = "klp4j-archive-keyring.asc";
    private static final Pattern RING = Pattern.compile("[a-z0-9][a-z0-9.-]*");

    /** One package file of a ring. */
    public record Entry(String ring, String name, String version, Path file) {}

    private final Path root;
    private final RepoKey key;
    private final int validDays;

    /** {@code validDays}: how long apt trusts each signed index (0: no Valid-Until). */
    public AptRepository(Path root, RepoKey key, int validDays) {
        this.root = root;
        this.key = key;
        this.validDays = validDays;
    }

    public static String requireRing(String ring) {
        if (ring == null || !RING.matcher(ring).matches()) {
            throw new Failure("'" + ring + "' is not a ring name: lower-case letters, digits, '.' and '-' (e.g. canary, stable)");
        }
        return ring;
    }

    /** Adds {@code debs} to {@code ring}; a file of the same name already there must have the same bytes. */
    public List<Entry> add(List<Path> debs, String ring) {
        requireRing(ring);
        List<Entry> added = new ArrayList<>();
        List<String[]> fields = new ArrayList<>();
        for (Path deb : debs) fields.add(control(deb)); // every file checked before the repository changes
        Path pool = root.resolve("pool").resolve(ring);
        try {
            Files.createDirectories(pool);
            for (int i = 0; i < debs.size(); i++) {
                String[] f = fields.get(i);
                Path dst = pool.resolve(f[0] + "_" + f[1].substring(f[1].indexOf(':') + 1) + "_" + f[2] + ".deb");
                place(debs.get(i), dst);
                added.add(new Entry(ring, f[0], f[1], dst));
            }
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot add to " + pool + ": " + e.getMessage());
        }
        publish();
        return added;
    }

    /** Puts the file of {@code name} ({@code version}, or the newest) in {@code from} into {@code to} too. */
    public Entry promote(String name, String version, String from, String to) {
        requireRing(from);
        requireRing(to);
        if (from.equals(to)) throw new Failure("--from and --to are both '" + from + "': give two rings");
        List<Entry> candidates = entries(from).stream().filter(e -> e.name().equals(name))
                .filter(e -> version == null || e.version().equals(version)).toList();
        if (candidates.isEmpty()) {
            throw new Failure("ring '" + from + "' of " + root + " has no " + name + (version == null ? "" : " " + version)
                    + ": 'klp4j repo add " + root + " DEB --ring " + from + "' first");
        }
        Entry e = candidates.stream().max(Comparator.comparing(Entry::version, DebianVersion::compare)).orElseThrow();
        Path dst = root.resolve("pool").resolve(to).resolve(e.file().getFileName());
        try {
            Files.createDirectories(dst.getParent());
            place(e.file(), dst);
        } catch (IOException ex) {
            throw new Failure(Failure.Kind.TOOL, "cannot promote into " + dst.getParent() + ": " + ex.getMessage());
        }
        publish();
        return new Entry(to, e.name(), e.version(), dst);
    }

    /** The packages of {@code ring}. */
    public List<Entry> entries(String ring) {
        Path pool = root.resolve("pool").resolve(ring);
        if (!Files.isDirectory(pool)) return List.of();
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(pool)) {
            for (Path deb : s.filter(p -> p.toString().endsWith(".deb")).sorted().toList()) {
                String[] f = control(deb);
                out.add(new Entry(ring, f[0], f[1], deb));
            }
        } catch (IOException e) {
            throw new Failure(pool + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    /** The rings the repository has. */
    public List<String> rings() {
        Path pool = root.resolve("pool");
        if (!Files.isDirectory(pool)) return List.of();
        try (Stream<Path> s = Files.list(pool)) {
            return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new Failure(pool + ": cannot read: " + e.getMessage());
        }
    }

    /** Makes every ring's index and signs it; writes the public key. */
    public void publish() {
        try {
            key.exportPublicKey(root.resolve(KEY_FILE));
            for (String ring : rings()) index(ring);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot write the index of " + root + ": " + e.getMessage());
        }
    }

    private void index(String ring) throws IOException {
        Path dist = root.resolve("dists").resolve(ring);
        Path bin = dist.resolve("main/binary-amd64");
        Files.createDirectories(bin);
        // paths relative to REPO, as the Filename fields apt fetches
        String packages = Exec.check(root, List.of("apt-ftparchive", "packages", "pool/" + ring), "apt-ftparchive packages");
        write(bin.resolve("Packages"), packages.getBytes(StandardCharsets.UTF_8));
        Path gz = bin.resolve(".Packages.gz.tmp");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(gz))) {
            out.write(packages.getBytes(StandardCharsets.UTF_8));
        }
        Files.move(gz, bin.resolve("Packages.gz"), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        for (String f : List.of("Release", "InRelease", "Release.gpg")) Files.deleteIfExists(dist.resolve(f));
        List<String> cmd = new ArrayList<>(List.of("apt-ftparchive",
                "-o", "APT::FTPArchive::Release::Origin=klp4j",
                "-o", "APT::FTPArchive::Release::Label=klp4j live patches",
                "-o", "APT::FTPArchive::Release::Suite=" + ring,
                "-o", "APT::FTPArchive::Release::Codename=" + ring,
                "-o", "APT::FTPArchive::Release::Architectures=amd64",
                "-o", "APT::FTPArchive::Release::Components=main",
                "-o", "APT::FTPArchive::Release::Description=klp4j live patches, ring " + ring));
        // Valid-Until = Date + ValidTime seconds
        if (validDays > 0) cmd.addAll(List.of("-o", "APT::FTPArchive::Release::ValidTime=" + validDays * 86400L));
        cmd.addAll(List.of("release", "."));
        String release = Exec.check(dist, cmd, "apt-ftparchive release");
        write(dist.resolve("Release"), release.getBytes(StandardCharsets.UTF_8));
        key.sign(dist.resolve("Release"));
    }

    /** Package, Version, Architecture of a .deb. */
    private static String[] control(Path deb) {
        if (!Files.isRegularFile(deb)) throw new Failure(deb + ": no such file (give a .deb)");
        var r = Exec.run(null, List.of("dpkg-deb", "--showformat=${Package}\\t${Version}\\t${Architecture}\\n", "--show", deb.toString()));
        String[] f = r.output().strip().split("\t");
        if (!r.ok() || f.length != 3) throw new Failure(deb + ": not a Debian package (dpkg-deb cannot read it)");
        return f;
    }

    /** A hard link of {@code src} at {@code dst} (a copy across file systems); the same bytes already there are fine. */
    private static void place(Path src, Path dst) throws IOException {
        if (Files.exists(dst)) {
            if (Files.mismatch(src, dst) == -1) return;
            throw new Failure(dst + " is already in the repository with other bytes: give a rebuild its own version (klp4j package --revision N)");
        }
        Path tmp = dst.resolveSibling("." + dst.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createLink(tmp, src);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(src, tmp, StandardCopyOption.REPLACE_EXISTING); // another file system
        }
        Files.move(tmp, dst, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void write(Path file, byte[] data) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.write(tmp, data);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
