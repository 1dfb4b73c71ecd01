package dev.klp4j.base;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Runs an external tool (make, patch, tar) through {@link Toolchain}, klp4j's one process runner,
 * and turns a tool that cannot start into a build failure.
 */
public final class Exec {
    private Exec() {}

    public static Toolchain.Result run(Path dir, List<String> command) {
        return run(dir, command, Map.of());
    }

    public static Toolchain.Result run(Path dir, List<String> command, Map<String, String> env) {
        return run(dir, command, env, new byte[0]);
    }

    /** As {@link #run(Path, List, Map)}, with {@code input} on the tool's standard input. */
    public static Toolchain.Result run(Path dir, List<String> command, Map<String, String> env, byte[] input) {
        return run(Toolchain.HOST, dir, command, env, input);
    }

    /** As {@link #run(Path, List)}, where {@code tools} run (the host, or a build root). */
    public static Toolchain.Result run(Toolchain tools, Path dir, List<String> command) {
        return run(tools, dir, command, Map.of(), new byte[0]);
    }

    /** As {@link #run(Toolchain, Path, List)}, with {@code env} added to the environment. */
    public static Toolchain.Result run(Toolchain tools, Path dir, List<String> command, Map<String, String> env) {
        return run(tools, dir, command, env, new byte[0]);
    }

    private static Toolchain.Result run(Toolchain tools, Path dir, List<String> command, Map<String, String> env, byte[] input) {
        try {
            return tools.run(dir, command, env, input);
        } catch (Failure e) {
            throw new Failure(Failure.Kind.TOOL, e.getMessage());
        }
    }

    /** Runs the command and returns its output, or fails naming the command and its last lines. */
    public static String check(Path dir, List<String> command, String what) {
        return check(Toolchain.HOST, dir, command, what);
    }

    /** As {@link #check(Path, List, String)}, where {@code tools} run. */
    public static String check(Toolchain tools, Path dir, List<String> command, String what) {
        Toolchain.Result r = run(tools, dir, command);
        if (!r.ok()) {
            throw new Failure(Failure.Kind.TOOL, what + " failed (exit " + r.status() + "): "
                    + String.join(" ", command) + "\n" + r.tail(20));
        }
        return r.output();
    }
}
