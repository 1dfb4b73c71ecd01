package dev.klp4j.kbuild;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;

/**
 * Original objects of a target, kept between builds: the usual workflow is v1, v2, v3 of one fix,
 * and the original side never changes. An entry is the object and kbuild's record of it, filed
 * under the target's cache directory by the compile flags; it is used only while every file the
 * record names as a dependency (the source, each header, the config) is older than the entry.
 * The build restores patched files with their original times, so the pristine tree keeps hitting.
 */
public final class OriginalObjectCache {
    private final Path tree;
    private final Path dir;

    /** {@code cacheDir} is the target's cache directory; {@code flags} the extra compile flags (part of the key). */
    public OriginalObjectCache(Path tree, Path cacheDir, String flags) {
        this.tree = tree;
        this.dir = cacheDir.resolve("objects").resolve(digest(flags));
    }

    /** Copies the cached entries of {@code objects} to {@code outDir}; returns the objects it could not supply. */
    public List<String> restore(List<String> objects, Path outDir) {
        List<String> missing = new ArrayList<>();
        for (String o : objects) {
            Path obj = dir.resolve(o);
            Path cmd = ObjectCompiler.cmdFile(dir, o);
            try {
                if (!Files.isRegularFile(obj) || !Files.isRegularFile(cmd) || !fresh(cmd, Files.getLastModifiedTime(obj))) {
                    missing.add(o);
                    continue;
                }
                Path dst = outDir.resolve(o);
                Files.createDirectories(dst.getParent());
                Files.copy(obj, dst, StandardCopyOption.REPLACE_EXISTING);
                Files.copy(cmd, ObjectCompiler.cmdFile(outDir, o), StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                missing.add(o);
            }
        }
        return missing;
    }

    /** Keeps freshly compiled {@code objects} (in {@code fromDir}) for later builds. */
    public void store(List<String> objects, Path fromDir) {
        for (String o : objects) {
            try {
                Path obj = dir.resolve(o);
                Files.createDirectories(obj.getParent());
                Path tmp = obj.resolveSibling(obj.getFileName() + ".tmp");
                Files.copy(ObjectCompiler.cmdFile(fromDir, o), ObjectCompiler.cmdFile(dir, o), StandardCopyOption.REPLACE_EXISTING);
                Files.copy(fromDir.resolve(o), tmp, StandardCopyOption.REPLACE_EXISTING);
                // The entry's time is when it was compiled: a dependency changed after that makes it stale.
                Files.setLastModifiedTime(tmp, FileTime.fromMillis(System.currentTimeMillis()));
                Files.move(tmp, obj, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                // A cache that cannot be written only costs a compile next time.
            }
        }
    }

    /** Whether every dependency kbuild recorded exists and is older than {@code compiled}. */
    private boolean fresh(Path cmd, FileTime compiled) throws IOException {
        boolean any = false;
        for (String line : Files.readAllLines(cmd, StandardCharsets.ISO_8859_1)) {
            String l = line.strip();
            if (l.startsWith("source_")) l = l.substring(l.indexOf(":=") + 2).strip();
            if (l.endsWith("\\")) l = l.substring(0, l.length() - 1).strip();
            if (l.isEmpty() || l.startsWith("$(wildcard") || l.startsWith("cmd_") || l.startsWith("deps_") || l.startsWith("#")
                    || l.startsWith("savedcmd_") || l.contains(" ") || l.startsWith("$(")) continue;
            Path dep = l.startsWith("/") ? Path.of(l) : tree.resolve(l);
            if (!Files.exists(dep) || Files.getLastModifiedTime(dep).compareTo(compiled) >= 0) return false;
            any = true;
        }
        return any;
    }

    private static String digest(String s) {
        return dev.klp4j.base.FileDigest.sha256(s).substring(0, 16);
    }
}
