package dev.klp4j.base;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Removing directory trees: kernel trees (80,000 files), build roots, work and temp directories. */
public final class FileTrees {
    private FileTrees() {}

    /** Removes {@code p} and everything under it, without following symlinks or crossing mounts. */
    public static void delete(Path p) throws IOException {
        // rm -rf is much faster than a Java walk over 80,000 files, and does not follow symlinks.
        Toolchain.Result r = Exec.run(null, List.of("rm", "-rf", "--one-file-system", p.toString()));
        if (!r.ok()) throw new IOException("cannot remove " + p + ": " + r.tail(3));
    }

    /** As {@link #delete}, for temporary directories: a leftover is not worth failing the run. */
    public static void deleteQuietly(Path p) {
        if (p == null || !Files.exists(p)) return;
        try {
            delete(p);
        } catch (IOException | Failure e) {
            // best effort
        }
    }
}
