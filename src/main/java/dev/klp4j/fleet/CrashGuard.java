package dev.klp4j.fleet;

import dev.klp4j.base.Failure;
import dev.klp4j.base.FileDigest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Remembers each attempt to load a patch so that a patch that took the machine down is not loaded
 * again at the next boot. Before insmod the attempt is written to disk (synchronously, with the
 * boot's id); it is confirmed only after the transition finished and a quiet period passed
 * without an oops, BUG or WARN naming the patch. An attempt of an earlier boot that was never
 * confirmed means the machine crashed or was reset meanwhile. Keyed by the module's content, so a
 * new package version gets its own chance. One file per module:
 * {@code /var/lib/klp4j/guard/NAME-DIGEST}, holding "attempt BOOT", "confirmed BOOT" or "failed WHY".
 */
public final class CrashGuard {
    private final Path dir;

    public CrashGuard(Path dir) {
        this.dir = dir;
    }

    /** The file that records {@code module}'s attempts (for the message that tells how to retry). */
    public Path record(Path module, String name) {
        return dir.resolve(name + "-" + digest(module));
    }

    /** Why {@code module} must not be loaded in boot {@code bootId}, or empty when it may be. */
    public Optional<String> refusal(Path module, String name, String bootId) {
        Path f = record(module, name);
        String state = read(f);
        if (state == null || state.startsWith("confirmed ")) return Optional.empty();
        if (state.startsWith("failed ")) {
            return Optional.of(state.substring(7) + "; it is not loaded again (delete " + f + " to retry)");
        }
        if (state.startsWith("attempt ") && !state.substring(8).equals(bootId)) {
            return Optional.of("the attempt to load it in an earlier boot was never confirmed (the machine crashed or"
                    + " rebooted within the quiet period); it is not loaded again (delete " + f + " to retry)");
        }
        return Optional.empty();
    }

    public void attempt(Path module, String name, String bootId) {
        write(record(module, name), "attempt " + bootId);
    }

    public void confirm(Path module, String name, String bootId) {
        write(record(module, name), "confirmed " + bootId);
    }

    /** Drops the record: the load failed and nothing stayed in the kernel, so there is no crash to guard against. */
    public void forget(Path module, String name) {
        try {
            Files.deleteIfExists(record(module, name));
        } catch (IOException e) {
            throw new Failure(dir + ": cannot drop the attempt's record (" + e.getMessage() + "); run as root");
        }
    }

    public void fail(Path module, String name, String why) {
        write(record(module, name), "failed " + why.replace('\n', ' '));
    }

    private static String read(Path f) {
        try {
            return Files.isRegularFile(f) ? Files.readString(f, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            throw new Failure(f + ": cannot read: " + e.getMessage());
        }
    }

    /** Written through to the disk before insmod: a crash right after must find it. */
    private void write(Path f, String state) {
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + f.getFileName() + ".tmp");
            Files.writeString(tmp, state + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE, StandardOpenOption.SYNC);
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            // The rename is the directory's: without this, a crash a second later (a patch that
            // oopses at once under oops=panic) finds the old record, and the patch is loaded again.
            try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
                d.force(true);
            }
        } catch (IOException e) {
            throw new Failure(dir + ": cannot record the attempt (" + e.getMessage() + "); run as root");
        }
    }

    static String digest(Path module) {
        try {
            return FileDigest.hex(module, "SHA-256").substring(0, 16);
        } catch (IOException e) {
            throw new Failure(module + ": cannot read: " + e.getMessage());
        }
    }
}
