package dev.klp4j.kbuild;

import dev.klp4j.base.FileDigest;
import dev.klp4j.base.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Patched objects of a target, kept by the content of what they were compiled from: the source
 * and every header the compile read (its dependency list, from the compile itself). An update
 * compiles the same patched object again and again: a fix decided alone, again in a retry round
 * or a join, again in the one module of all fixes; a user's v2 of a fix often changes one file
 * of several. The patched tree's files change under the same names, so an entry is found by
 * content, not by time: under {@code OBJECT/KEY/}, KEY the digest of each dependency's path and
 * content; an entry is used when the dependencies it lists digest to its key in the tree as it
 * is now (the patch applied). Compile flags are part of the directory, as for the originals.
 *
 * Only for patches that change existing C sources, assembly and headers: a Makefile or any other
 * file could change a command or a generated header that no dependency list shows, and a new file
 * could be found first on the include path where an unchanged one was read before.
 */
public final class PatchedObjectCache {
    /** Files older than this process were not written by it: their digests are kept by path, size and time. */
    private static final long STARTED = System.currentTimeMillis() - 1_000;

    private final Path tree;
    private final Path dir;
    private final Map<Path, Digested> digests = new ConcurrentHashMap<>();

    private record Digested(long size, long modified, String digest) {}

    /** {@code cacheDir} is the target's cache directory; {@code flags} the patched side's compile flags (part of the key). */
    public PatchedObjectCache(Path tree, Path cacheDir, String flags) {
        this.tree = tree;
        this.dir = cacheDir.resolve("patched-objects").resolve(FileDigest.sha256(flags).substring(0, 16));
    }

    /** Whether a patch may use the cache: it changes only existing C sources, assembly and headers. */
    public static boolean applies(dev.klp4j.source.UnifiedDiff diff) {
        return diff.files().stream().allMatch(f -> !f.created() && !f.deleted()
                && (f.path().endsWith(".c") || f.path().endsWith(".h") || f.path().endsWith(".S")));
    }

    /**
     * Copies the entry of {@code object} whose dependencies match the tree now to {@code outDir},
     * with kbuild's record; false when there is none.
     */
    public boolean restore(String object, Path outDir) {
        Path entries = dir.resolve(object);
        if (!Files.isDirectory(entries)) return false;
        try (Stream<Path> s = Files.list(entries)) {
            for (Path entry : s.toList()) {
                Path deps = entry.resolve("deps");
                if (!Files.isRegularFile(deps)) continue;
                String key = key(Files.readAllLines(deps, StandardCharsets.UTF_8));
                if (key == null || !key.equals(entry.getFileName().toString())) continue;
                Path dst = outDir.resolve(object);
                Files.createDirectories(dst.getParent());
                Files.copy(entry.resolve("object"), dst, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(entry.resolve("cmd"), ObjectCompiler.cmdFile(outDir, object), StandardCopyOption.REPLACE_EXISTING);
                return true;
            }
        } catch (IOException e) {
            // An unreadable entry only costs a compile.
        }
        return false;
    }

    /**
     * Keeps {@code compiled} (the object as compiled, with {@code record}, kbuild's record to hand
     * out with it) under the digest of {@code deps}, the files the compile read, as they are now.
     */
    public void store(String object, Path compiled, Path record, List<String> deps) {
        String key = key(deps);
        if (key == null || deps.isEmpty()) return;
        Path entry = dir.resolve(object).resolve(key);
        if (Files.isDirectory(entry)) return;
        Path tmp = entry.resolveSibling(key + ".tmp" + ProcessHandle.current().pid() + "." + Thread.currentThread().getId());
        try {
            Files.createDirectories(tmp);
            Files.copy(compiled, tmp.resolve("object"), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(record, tmp.resolve("cmd"), StandardCopyOption.REPLACE_EXISTING);
            Files.write(tmp.resolve("deps"), deps, StandardCharsets.UTF_8);
            Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            // A cache that cannot be written only costs a compile next time; another process may have stored it first.
            FileTrees.deleteQuietly(tmp);
        }
    }

    /** The digest of each dependency's path and content in the tree now; null when one is missing. */
    private String key(List<String> deps) {
        StringBuilder sb = new StringBuilder();
        for (String d : deps) {
            String digest = digest(d.startsWith("/") ? Path.of(d) : tree.resolve(d));
            if (digest == null) return null;
            sb.append(d).append('\0').append(digest).append('\n');
        }
        return FileDigest.sha256(sb.toString()).substring(0, 32);
    }

    private String digest(Path file) {
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            long modified = a.lastModifiedTime().toMillis();
            Digested known = digests.get(file);
            if (known != null && known.size == a.size() && known.modified == modified) return known.digest;
            String digest = FileDigest.hex(file, "SHA-256");
            // A file this process wrote (a patched source) may be written again within the time's
            // granularity: only older files, the pristine tree and what a revert restored with its
            // old time, are remembered.
            if (modified < STARTED) digests.put(file, new Digested(a.size(), modified, digest));
            return digest;
        } catch (IOException e) {
            return null;
        }
    }

    /** gcc's {@code -MMD} output: "OBJ: SRC HDR ... \" over continued lines. */
    static List<String> fromGcc(String text) {
        String joined = text.replace("\\\n", " ");
        int colon = joined.indexOf(": ");
        if (colon < 0) return List.of();
        String rule = joined.substring(colon + 2);
        int end = rule.indexOf('\n');
        if (end >= 0) rule = rule.substring(0, end);
        List<String> out = new ArrayList<>();
        for (String t : rule.trim().split("\\s+")) if (!t.isEmpty()) out.add(t);
        return out;
    }

    /**
     * kbuild's record as fixdep writes it: {@code source_OBJ := SRC}, then {@code deps_OBJ := \}
     * and one file a line; the {@code $(wildcard include/config/...)} lines stand for the
     * configuration, which the target's cache directory already fixes.
     */
    static List<String> fromRecord(List<String> lines) {
        List<String> out = new ArrayList<>();
        boolean inDeps = false;
        for (String line : lines) {
            String l = line.strip();
            if (l.startsWith("source_")) {
                out.add(l.substring(l.indexOf(":=") + 2).strip());
                continue;
            }
            if (l.startsWith("deps_")) {
                inDeps = true;
                continue;
            }
            if (!inDeps) continue;
            boolean continued = l.endsWith("\\");
            if (continued) l = l.substring(0, l.length() - 1).strip();
            if (!l.isEmpty() && !l.startsWith("$(") && !l.contains(" ") && !out.contains(l)) out.add(l);
            if (!continued) inDeps = false;
        }
        return out;
    }
}
