package dev.klp4j.build;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Runs an external tool (make, patch, tar) and captures its combined output. */
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
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(command)).redirectErrorStream(true);
        if (dir != null) pb.directory(dir.toFile());
        pb.environment().putAll(env);
        try {
            Path out = Files.createTempFile("klp4j-exec", ".log");
            try {
                pb.redirectOutput(out.toFile());
                Process p = pb.start();
                try (var stdin = p.getOutputStream()) {
                    stdin.write(input);
                } catch (IOException e) {
                    // The tool exited without reading all of it: its status and output tell why.
                }
                int status = p.waitFor();
                return new Result(status, Files.readString(out, StandardCharsets.UTF_8));
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new BuildException(BuildException.Kind.TOOL, "cannot run " + command.get(0) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException(BuildException.Kind.TOOL, "interrupted while running " + command.get(0));
        }
    }

    /** Runs the command and returns its output, or fails naming the command and its last lines. */
    public static String check(Path dir, List<String> command, String what) {
        Result r = run(dir, command);
        if (!r.ok()) {
            throw new BuildException(BuildException.Kind.TOOL, what + " failed (exit " + r.status() + "): "
                    + String.join(" ", command) + "\n" + r.tail(20));
        }
        return r.output();
    }
}
