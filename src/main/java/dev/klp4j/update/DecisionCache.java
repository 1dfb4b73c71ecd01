package dev.klp4j.update;

import dev.klp4j.base.Failure;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * Decisions of fixes already built, by content: the key is the release, the fix's patch and klp4j's
 * own build (a new klp4j decides again), so a rerun of an update, or of a later one sharing its
 * fixes, builds only what is new ({@code <cache>/updates/decisions/<release>/<key>}). That a fix
 * needs other changes of the update (it does not compile alone) is kept too: it depends on nothing
 * but the same three, and finding it out again can mean preprocessing a header's thousand users.
 */
final class DecisionCache {
    private final Path dir;
    private final String build;
    private int hits;

    DecisionCache(Path cacheRoot, String release) {
        this.dir = cacheRoot.resolve("updates").resolve("decisions").resolve(release);
        this.build = klp4jBuild();
    }

    Optional<FixDecider.Decided> get(Fix fix) {
        Path p = dir.resolve(key(fix));
        if (!Files.isRegularFile(p)) return Optional.empty();
        Properties props = new Properties();
        try (Reader r = Files.newBufferedReader(p, StandardCharsets.UTF_8)) {
            props.load(r);
            FixStatus s = FixStatus.valueOf(props.getProperty("status"));
            FixDecider.Kind kind = FixDecider.Kind.valueOf(props.getProperty("kind", FixDecider.Kind.DECIDED.name()));
            if (kind == FixDecider.Kind.KLP4J_FAILED) return Optional.empty();
            String fns = props.getProperty("functions", "");
            hits++;
            // Fixes decided as one (a batch's fixes that meet in an object) come back as that one, as they were decided.
            String files = props.getProperty("files");
            return Optional.of(new FixDecider.Decided(kind, new FixDecision(props.getProperty("decision", fix.id()),
                    files == null ? fix.files() : Arrays.asList(files.split(" ")),
                    fns.isEmpty() ? List.of() : Arrays.asList(fns.split(" ")), s, props.getProperty("reason"), List.of(), List.of())));
        } catch (IOException | IllegalArgumentException | NullPointerException e) {
            return Optional.empty(); // unreadable: decide again
        }
    }

    /** How many decisions were read back rather than built. */
    int hits() {
        return hits;
    }

    /** Keeps {@code decided}, unless klp4j itself failed on the fix (a rerun, or a newer klp4j, tries again). */
    void put(Fix fix, FixDecider.Decided decided) {
        if (decided.kind() == FixDecider.Kind.KLP4J_FAILED) return;
        FixDecision d = decided.decision();
        Properties props = new Properties();
        props.setProperty("id", fix.id());
        props.setProperty("kind", decided.kind().name());
        props.setProperty("decision", d.id());
        props.setProperty("files", String.join(" ", d.files()));
        props.setProperty("status", d.status().name());
        if (d.reason() != null) props.setProperty("reason", d.reason());
        props.setProperty("functions", String.join(" ", d.functions()));
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "decision", ".tmp");
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                props.store(w, null);
            }
            Files.move(tmp, dir.resolve(key(fix)), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "update cache " + dir + ": " + e.getMessage());
        }
    }

    private String key(Fix fix) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update((build + "\n" + fix.id() + "\n").getBytes(StandardCharsets.UTF_8));
            md.update(fix.patch().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 32);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * klp4j's version and the code that decides: the digest of the jar's entries but those of the
     * packages that only prove, load, ship or parse arguments (a klp4j that mends its VM proof or
     * its packaging decides the same, and an update of hundreds of fixes is hours of compiles), or,
     * run from a classes directory (the tests), the time this class was compiled.
     */
    private static String klp4jBuild() {
        String version = String.valueOf(DecisionCache.class.getPackage().getImplementationVersion());
        try {
            Path code = Path.of(DecisionCache.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isDirectory(code)) {
                return version + "@" + Files.getLastModifiedTime(code.resolve(DecisionCache.class.getName().replace('.', '/') + ".class")).toMillis();
            }
            return version + "@" + deciding(code);
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return version;
        }
    }

    /** Packages whose code no decision depends on. */
    private static final List<String> NOT_DECIDING = List.of("dev/klp4j/cli/", "dev/klp4j/vm/", "dev/klp4j/runtime/", "dev/klp4j/fleet/");

    /** The digest of a jar's entries, by name, but those under {@link #NOT_DECIDING} and the manifest (its build time). */
    static String deciding(Path jar) throws IOException {
        try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(jar.toFile())) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            List<? extends java.util.zip.ZipEntry> entries = zip.stream()
                    .filter(e -> !e.isDirectory() && !e.getName().startsWith("META-INF/MANIFEST")
                            && NOT_DECIDING.stream().noneMatch(e.getName()::startsWith))
                    .sorted(java.util.Comparator.comparing(java.util.zip.ZipEntry::getName)).toList();
            for (java.util.zip.ZipEntry e : entries) {
                md.update(e.getName().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                try (java.io.InputStream in = zip.getInputStream(e)) {
                    md.update(in.readAllBytes());
                }
            }
            return HexFormat.of().formatHex(md.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
