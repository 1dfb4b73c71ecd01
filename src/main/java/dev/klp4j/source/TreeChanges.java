package dev.klp4j.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files two source trees differ in (paths relative to the trees, '/'-separated, sorted):
 * changed (in both, different bytes), added (only in the newer) and removed (only in the older).
 * Symbolic links are not followed or compared: the kernel's are build-time conveniences.
 */
public record TreeChanges(List<String> changed, List<String> added, List<String> removed) {
    public TreeChanges {
        changed = List.copyOf(changed);
        added = List.copyOf(added);
        removed = List.copyOf(removed);
    }

    public static TreeChanges between(Path older, Path newer) throws IOException {
        List<String> changed = new ArrayList<>(), added = new ArrayList<>(), removed = new ArrayList<>();
        for (String f : files(newer)) {
            Path a = older.resolve(f), b = newer.resolve(f);
            if (!Files.isRegularFile(a, java.nio.file.LinkOption.NOFOLLOW_LINKS)) added.add(f);
            else if (Files.size(a) != Files.size(b) || Files.mismatch(a, b) >= 0) changed.add(f);
        }
        for (String f : files(older)) {
            if (!Files.isRegularFile(newer.resolve(f), java.nio.file.LinkOption.NOFOLLOW_LINKS)) removed.add(f);
        }
        return new TreeChanges(changed, added, removed);
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                    .map(p -> root.relativize(p).toString().replace('\\', '/')).sorted().toList();
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
