package dev.klp4j.base;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Where the tools that build for a kernel run (make, gcc, ld): on the host, or in a build root of
 * the kernel's own Debian suite, whose compiler built that kernel. klp4j's one process runner for
 * them.
 *
 * <p>In a build root a command runs in a private mount namespace, chrooted: the directories klp4j
 * works in (its cache, the temp directory) are bind-mounted at the same paths, so a path names
 * the same file inside and out and nothing is translated; {@link Mount}s add what the root must see
 * at its own paths (the target's kbuild headers under /usr/src). The host's mounts are not touched.
 */
public final class Toolchain {
    /** The exit status and combined stdout+stderr of a finished process. */
    public record Result(int status, String output) {
        public boolean ok() {
            return status == 0;
        }

        /** The last {@code n} lines of the output: what to show when a tool fails. */
        public String tail(int n) {
            String[] lines = output.strip().split("\n");
            int from = Math.max(0, lines.length - n);
            return String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
        }
    }

    /** A host directory {@code from} seen at {@code at} inside the root. */
    public record Mount(Path from, Path at) {}

    /** The host itself. */
    public static final Toolchain HOST = new Toolchain(null, List.of());

    private final Path root;
    private final List<Mount> mounts;

    private Toolchain(Path root, List<Mount> mounts) {
        this.root = root;
        this.mounts = List.copyOf(mounts);
    }

    /** Commands chrooted into {@code root}, with {@code mounts} bound inside. */
    public static Toolchain inRoot(Path root, List<Mount> mounts) {
        return new Toolchain(root.toAbsolutePath(), mounts);
    }

    /** The build root, or null on the host. */
    public Path root() {
        return root;
    }

    /** One directory for the output of every tool this process runs: a kill (Ctrl-C) removes it with what is in it. */
    /**
     * A kill of klp4j (SIGTERM, or the end of a session) must not leave its tools running: a make
     * left compiling in the cached tree, with a patch applied, races the next build of that tree
     * (seen: an update stopped with kill, its make going on beside the next run). Ctrl-C reaches
     * the whole process group; a kill reaches only the JVM, whose shutdown ends what it started.
     */
    private static final class Orphans {
        private static final java.util.concurrent.atomic.AtomicBoolean GUARDED = new java.util.concurrent.atomic.AtomicBoolean();

        static void guard() {
            if (!GUARDED.compareAndSet(false, true)) return;
            try {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> ProcessHandle.current().descendants()
                        .forEach(ProcessHandle::destroyForcibly), "klp4j-tools-cleanup"));
            } catch (IllegalStateException e) {
                // already shutting down: nothing more will be started
            }
        }
    }

    private static final class ExecLogs {
        static final WorkDir DIR = WorkDir.create("klp4j-exec-");
    }

    public boolean isHost() {
        return root == null;
    }

    /** Where a path the tools see (inside the root) is on the host: through a mount, else under the root. */
    public Path hostPath(Path inside) {
        if (isHost()) return inside;
        for (Mount m : mounts) {
            if (inside.startsWith(m.at())) return m.from().resolve(m.at().relativize(inside).toString());
        }
        return root.resolve(Path.of("/").relativize(inside.toAbsolutePath()).toString());
    }

    /** Runs {@code command} in {@code dir} (null: the current directory), output in memory. */
    public Result run(Path dir, List<String> command, Map<String, String> env, byte[] input) {
        try {
            Path out = Files.createTempFile(Files.createDirectories(ExecLogs.DIR.path()), "exec", ".log");
            try {
                return run(dir, command, env, input, null, out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw Failure.failed("cannot run " + command.get(0) + ": " + e.getMessage());
        }
    }

    /**
     * Runs {@code command} in {@code dir}, its output going to {@code log} (kept) and returned; a
     * command still running after {@code timeout} (null: none) is killed.
     */
    public Result run(Path dir, List<String> command, Map<String, String> env, byte[] input, Duration timeout, Path log) {
        Orphans.guard();
        ProcessBuilder pb = new ProcessBuilder(wrap(dir, command)).redirectErrorStream(true).redirectOutput(log.toFile());
        if (dir != null && isHost()) pb.directory(dir.toFile());
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            try (var stdin = p.getOutputStream()) {
                stdin.write(input);
            } catch (IOException e) {
                // The tool exited without reading all of it: its status and output tell why.
            }
            if (timeout == null) {
                p.waitFor();
            } else if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw Failure.failed(command.get(0) + " did not finish in " + timeout.toSeconds() + " s (see " + log + ")");
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw Failure.failed("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed("interrupted while running " + command.get(0));
        }
    }

    /**
     * Runs {@code command} with its standard output, which may be binary (a decompressed kernel),
     * going to {@code out}; standard error is discarded. Returns the exit status.
     */
    public int runToFile(Path dir, List<String> command, Path out) {
        ProcessBuilder pb = new ProcessBuilder(wrap(dir, command)).redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).redirectOutput(out.toFile());
        if (dir != null && isHost()) pb.directory(dir.toFile());
        try {
            return pb.start().waitFor();
        } catch (IOException e) {
            throw Failure.failed("cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed("interrupted while running " + command.get(0));
        }
    }

    /** The process to start: the command itself, or a namespace that mounts, chroots and runs it. */
    List<String> wrap(Path dir, List<String> command) {
        if (isHost()) return new ArrayList<>(command);
        // sh -c SCRIPT sh DIR ROOT FROM1 AT1 ... -- COMMAND...: arguments, never quoted into the script.
        String script = "set -e; dir=$1; root=$2; shift 2; mount --make-rprivate /;"
                + " while [ \"$1\" != -- ]; do mkdir -p \"$root$2\"; mount --bind \"$1\" \"$root$2\"; shift 2; done; shift;"
                // PWD too: make's shells cd to it, and the caller's directory is not in the root.
                + " mountpoint -q \"$root/proc\" || mount -t proc proc \"$root/proc\";"
                + " exec chroot \"$root\" /usr/bin/env -C \"$dir\" PWD=\"$dir\" \"$@\"";
        List<String> out = new ArrayList<>(List.of("unshare", "--mount", "sh", "-c", script, "sh",
                (dir == null ? Path.of("/") : dir.toAbsolutePath()).toString(), root.toString()));
        for (Mount m : mounts) {
            out.add(m.from().toAbsolutePath().toString());
            out.add(m.at().toString());
        }
        out.add("--");
        out.addAll(command);
        return out;
    }
}
