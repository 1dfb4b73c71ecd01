package dev.klp4j.base;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A temporary work directory that goes away when closed, and also when klp4j is stopped with
 * Ctrl-C or a kill (a shutdown hook): a long run interrupted leaves nothing in /tmp.
 */
public final class WorkDir implements AutoCloseable {
    private final Path path;
    private final Thread hook;

    private WorkDir(Path path) {
        this.path = path;
        Thread h = new Thread(() -> FileTrees.deleteQuietly(path), "klp4j-workdir-cleanup");
        try {
            Runtime.getRuntime().addShutdownHook(h);
        } catch (IllegalStateException e) {
            // made while shutting down (another hook's cleanup runs a tool): its owner's close removes it
            h = null;
        }
        this.hook = h;
    }

    /** A new directory {@code prefix*} in java.io.tmpdir. */
    public static WorkDir create(String prefix) {
        try {
            return new WorkDir(Files.createTempDirectory(prefix));
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot create a work directory: " + e.getMessage());
        }
    }

    public Path path() {
        return path;
    }

    /** Leaves the directory in place (--skip-cleanup), on exit too. */
    public void keep() {
        unhook();
    }

    @Override
    public void close() {
        FileTrees.deleteQuietly(path);
        unhook();
    }

    private void unhook() {
        if (hook == null) return;
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook removes it
        }
    }
}
