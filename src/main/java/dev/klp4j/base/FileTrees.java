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
        // rm -rf is much faster than a Java walk over 80,000 files, and does not follow symlinks. Its
        // output is dropped rather than logged: shutdown hooks remove work directories with it, and
        // must not make a tool log of their own while another hook removes the logs' directory.
        int status;
        try {
            status = Toolchain.HOST.runToFile(null, List.of("rm", "-rf", "--one-file-system", p.toString()), Path.of("/dev/null"));
        } catch (Failure e) {
            throw new IOException("cannot remove " + p + ": " + e.getMessage());
        }
        if (status != 0) throw new IOException("cannot remove " + p + ": rm -rf exited " + status);
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
