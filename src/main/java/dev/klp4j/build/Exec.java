package dev.klp4j.build;

import dev.klp4j.kernel.KernelException;
import dev.klp4j.kernel.Toolchain;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs an external tool (make, patch, tar) through {@link Toolchain}, klp4j's one process runner,
 * and turns a tool that cannot start into a build failure.
 */
public final class Exec {
    private Exec() {}

    /** The exit status and combined stdout+stderr of a finished process. */
    public record Result(int status, String output) {
        public boolean ok() { return status == 0; }

        /** The last {@code n} lines of the output: what to show when a tool fails. */
        public String tail(int n) {
            String[] lines = output.strip().split("\n");
            int from = Math.max(0, lines.length - n);
            return String.join("\n", java.util.Arrays.asList(lines).subList(from, lines.length));
        }
    }

    public static Result run(Path dir, List<String> command) {
        return run(dir, command, Map.of());
    }

    public static Result run(Path dir, List<String> command, Map<String, String> env) {
        return run(dir, command, env, new byte[0]);
    }

    /** As {@link #run(Path, List, Map)}, with {@code input} on the tool's standard input. */
    public static Result run(Path dir, List<String> command, Map<String, String> env, byte[] input) {
        return run(Toolchain.HOST, dir, command, env, input);
    }

    /** As {@link #run(Path, List)}, where {@code tools} run (the host, or a build root). */
    public static Result run(Toolchain tools, Path dir, List<String> command) {
        return run(tools, dir, command, Map.of(), new byte[0]);
    }

    private static Result run(Toolchain tools, Path dir, List<String> command, Map<String, String> env, byte[] input) {
        try {
            Toolchain.Result r = tools.run(dir, command, env, input);
            return new Result(r.status(), r.output());
        } catch (KernelException e) {
            throw new BuildException(BuildException.Kind.TOOL, e.getMessage());
        }
    }

    /** Runs the command and returns its output, or fails naming the command and its last lines. */
    public static String check(Path dir, List<String> command, String what) {
        return check(Toolchain.HOST, dir, command, what);
    }

    /** As {@link #check(Path, List, String)}, where {@code tools} run. */
    public static String check(Toolchain tools, Path dir, List<String> command, String what) {
        Result r = run(tools, dir, command);
        if (!r.ok()) {
            throw new BuildException(BuildException.Kind.TOOL, what + " failed (exit " + r.status() + "): "
                    + String.join(" ", command) + "\n" + r.tail(20));
        }
        return r.output();
    }
}
