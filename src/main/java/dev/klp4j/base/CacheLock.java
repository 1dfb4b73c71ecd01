package dev.klp4j.base;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An exclusive hold on one entry of klp4j's cache (a source tree, a build root, a fetched
 * release), taken by a lock file: other processes wait on the file, threads of this JVM on a lock
 * of their own (a JVM holds a file lock for the whole process, so a second thread could not wait on
 * it). Reentrant: a thread that holds it may take it again, and only its outermost close releases it.
 */
public final class CacheLock implements AutoCloseable {
    private static final Map<Path, ReentrantLock> THREADS = new ConcurrentHashMap<>();
    private static final Map<Path, FileChannel> FILES = new ConcurrentHashMap<>();

    private final ReentrantLock thread;
    private final Path key;

    private CacheLock(ReentrantLock thread, Path key) {
        this.thread = thread;
        this.key = key;
    }

    /** Waits for, then holds, the lock of {@code lockFile} (made, with its directory, when missing). */
    public static CacheLock take(Path lockFile) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock thread = THREADS.computeIfAbsent(key, k -> new ReentrantLock());
        thread.lock();
        try {
            if (thread.getHoldCount() == 1) {
                Files.createDirectories(key.getParent());
                FileChannel ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                try {
                    ch.lock();
                } catch (IOException | RuntimeException e) {
                    ch.close();
                    throw e;
                }
                FILES.put(key, ch);
            }
            return new CacheLock(thread, key);
        } catch (IOException e) {
            thread.unlock();
            throw new Failure("cannot lock " + key + ": " + e.getMessage());
        } catch (RuntimeException e) {
            thread.unlock();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            // Closing the channel releases the file lock; only the outermost holder does it.
            if (thread.getHoldCount() == 1) {
                FileChannel ch = FILES.remove(key);
                if (ch != null) ch.close();
            }
        } catch (IOException ignored) {
            // the lock goes with the channel or the process
        } finally {
            thread.unlock();
        }
    }
}
