package dev.klp4j.runtime;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Where the runtime finds sysfs and procfs: {@code /} on a host, a temp dir in tests. */
public record SysRoot(Path root) {
    public static SysRoot host() {
        return new SysRoot(Path.of("/"));
    }

    public Path livepatchDir() {
        return root.resolve("sys/kernel/livepatch");
    }

    public Path patch(String name) {
        return livepatchDir().resolve(name);
    }

    public Path module(String name) {
        return root.resolve("sys/module").resolve(name);
    }

    public Path proc() {
        return root.resolve("proc");
    }

    /** The running kernel's release ({@code uname -r}), from /proc/sys/kernel/osrelease. */
    public String release() {
        return read(root.resolve("proc/sys/kernel/osrelease")).orElseGet(() -> System.getProperty("os.version"));
    }

    /** A sysfs/procfs file's first line, trimmed; empty if it cannot be read (it may vanish any time). */
    public static Optional<String> read(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.UTF_8);
            int nl = s.indexOf('\n');
            return Optional.of((nl >= 0 ? s.substring(0, nl) : s).trim());
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** A whole file (e.g. /proc/PID/stack), or "" if it cannot be read. */
    public static String readAll(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
