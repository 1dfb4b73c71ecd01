package dev.klp4j.update;

import dev.klp4j.base.CacheLock;
import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.base.FileTrees;
import dev.klp4j.base.Toolchain;
import dev.klp4j.source.TreeChanges;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What changed between two source packages of one kernel series, kept small: both tarballs are
 * unpacked once, compared file by file, and only the files that differ are kept, as {@code a/}
 * (the older version) and {@code b/} (the newer), with {@code files} listing them. A rerun of the
 * same range reads the cache ({@code <cache>/updates/<package>_<from>_<to>/}).
 */
public final class UpdateCut {
    private final Path dir;
    private final TreeChanges changes;

    private UpdateCut(Path dir, TreeChanges changes) {
        this.dir = dir;
        this.changes = changes;
    }

    public TreeChanges changes() {
        return changes;
    }

    /** The cut between {@code from} and {@code to}, made from their tarballs unless the cache has it. */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public static UpdateCut of(Path cacheRoot, String pkg, String from, Path fromTarball, String to, Path toTarball,
                               Consumer<String> progress) {
        Path dir = cacheRoot.resolve("updates").resolve(pkg + "_" + from + "_" + to);
        try {
            Files.createDirectories(dir.getParent());
            try (CacheLock held = CacheLock.take(dir.resolveSibling(dir.getFileName() + ".lock"))) {
                if (!Files.isRegularFile(dir.resolve("files"))) make(dir, fromTarball, toTarball, progress);
                return new UpdateCut(dir, read(dir.resolve("files")));
            }
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "update cache " + dir + ": " + e.getMessage());
        }
    }

    /** For tests: the cut between two trees already unpacked. */
    static UpdateCut ofTrees(Path dir, Path older, Path newer) throws IOException {
        TreeChanges c = TreeChanges.between(older, newer);
        keep(dir, older, newer, c);
        return new UpdateCut(dir, c);
    }

    private static void make(Path dir, Path fromTarball, Path toTarball, Consumer<String> progress) throws IOException {
        Path work = dir.resolveSibling(dir.getFileName() + ".partial");
        if (Files.exists(work)) FileTrees.delete(work);
        if (Files.exists(dir)) FileTrees.delete(dir);
        try {
            Path a = Files.createDirectories(work.resolve("a")), b = Files.createDirectories(work.resolve("b"));
            progress.accept("unpacking " + fromTarball.getFileName() + " and " + toTarball);
            unpack(fromTarball, a);
            unpack(toTarball, b);
            progress.accept("comparing the two trees");
            TreeChanges c = TreeChanges.between(a, b);
            keep(dir, a, b, c);
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    /** Copies the files that differ into {@code dir}/a and /b and writes the list last (the cache's stamp). */
    private static void keep(Path dir, Path older, Path newer, TreeChanges c) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String f : c.changed()) { copy(older, dir.resolve("a"), f); copy(newer, dir.resolve("b"), f); lines.add("M\t" + f); }
        for (String f : c.added()) { copy(newer, dir.resolve("b"), f); lines.add("A\t" + f); }
        for (String f : c.removed()) { copy(older, dir.resolve("a"), f); lines.add("D\t" + f); }
        Files.writeString(dir.resolve("files"), String.join("\n", lines) + (lines.isEmpty() ? "" : "\n"));
    }

    private static void copy(Path from, Path to, String f) throws IOException {
        Path t = to.resolve(f);
        Files.createDirectories(t.getParent());
        Files.copy(from.resolve(f), t, StandardCopyOption.REPLACE_EXISTING);
    }

    private static TreeChanges read(Path files) throws IOException {
        List<String> changed = new ArrayList<>(), added = new ArrayList<>(), removed = new ArrayList<>();
        for (String l : Files.readAllLines(files)) {
            if (l.length() < 3) continue;
            String f = l.substring(2);
            switch (l.charAt(0)) {
                case 'M' -> changed.add(f);
                case 'A' -> added.add(f);
                default -> removed.add(f);
            }
        }
        return new TreeChanges(changed, added, removed);
    }

    private static void unpack(Path tarball, Path into) {
        Exec.check(into, List.of("tar", "--use-compress-program=xz -T0", "-xf", tarball.toString(), "--strip-components=1"),
                "unpacking " + tarball.getFileName());
    }

    /** The file at the older ({@code a}) or newer side, or null when that side does not have it. */
    public Path older(String f) {
        Path p = dir.resolve("a").resolve(f);
        return Files.isRegularFile(p) ? p : null;
    }

    public Path newer(String f) {
        Path p = dir.resolve("b").resolve(f);
        return Files.isRegularFile(p) ? p : null;
    }

    /** A unified diff (patch -p1) of {@code files}, in the order given: a fix's patch. */
    public String patch(List<String> files) {
        StringBuilder out = new StringBuilder();
        for (String f : files) {
            Path a = older(f), b = newer(f);
            List<String> cmd = List.of("diff", "-u", "--label", a == null ? "/dev/null" : "a/" + f, "--label",
                    b == null ? "/dev/null" : "b/" + f, a == null ? "/dev/null" : a.toString(), b == null ? "/dev/null" : b.toString());
            Toolchain.Result r = Exec.run(dir, cmd);
            if (r.status() > 1) throw new Failure(Failure.Kind.TOOL, "diff of " + f + " failed: " + r.tail(2).strip());
            out.append(r.output());
        }
        return out.toString();
    }

    private static final Pattern HUNK_FUNCTION = Pattern.compile("^@@ [^@]* @@ (.*)$");
    private static final Pattern DEFINED = Pattern.compile("(\\w+)\\s*\\(");

    /**
     * The functions {@code files} change: the one each hunk starts in (diff -p names the function
     * around it) and those a changed line at column 0 defines. The changelog's subjects name them.
     */
    public Set<String> changedFunctions(List<String> files) {
        Set<String> out = new LinkedHashSet<>();
        for (String f : files) out.addAll(changedFunctions().getOrDefault(f, Set.of()));
        return out;
    }

    private Map<String, Set<String>> changedFunctions;

    /** Every changed file's functions, from one diff of the whole cut (a diff per fix is a process each: minutes for an update). */
    private synchronized Map<String, Set<String>> changedFunctions() {
        if (changedFunctions != null) return changedFunctions;
        Toolchain.Result r = Exec.run(dir, List.of("diff", "-r", "-N", "-U0", "-p", "a", "b"));
        if (r.status() > 1) throw new Failure(Failure.Kind.TOOL, "diff of " + dir + " failed: " + r.tail(2).strip());
        Map<String, Set<String>> out = new HashMap<>();
        Set<String> current = null;
        for (String line : r.output().lines().toList()) {
            String text = null;
            Matcher h = HUNK_FUNCTION.matcher(line);
            if (line.startsWith("+++ b/")) {
                current = out.computeIfAbsent(line.substring(6).replaceFirst("\t.*$", ""), k -> new LinkedHashSet<>());
            } else if (line.startsWith("--- ") || line.startsWith("diff ")) {
                continue;
            } else if (h.matches()) {
                text = h.group(1);
            } else if ((line.startsWith("+") || line.startsWith("-")) && line.length() > 1 && !Character.isWhitespace(line.charAt(1))
                    && !line.strip().endsWith(";")) {
                text = line.substring(1);
            }
            if (text == null || current == null) continue;
            Matcher d = DEFINED.matcher(text);
            if (d.find()) current.add(d.group(1));
        }
        return changedFunctions = out;
    }
}
