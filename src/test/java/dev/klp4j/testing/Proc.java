package dev.klp4j.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs an external tool (gcc, readelf, ld, ...) for a test and captures what it printed. */
public final class Proc {
    public record Result(int exit, String out, String err) {
        public Result orFail(String what) {
            if (exit != 0) throw new AssertionError(what + " failed (exit " + exit + "):\n" + err + out);
            return this;
        }
    }

    private Proc() {}

    public static Result run(Path dir, String... cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of(cmd));
            if (dir != null) pb.directory(dir.toFile());
            Path errFile = java.nio.file.Files.createTempFile("proc", ".err");
            pb.redirectError(errFile.toFile());
            Process p = pb.start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(String.join(" ", cmd) + " timed out");
            }
            String err = java.nio.file.Files.readString(errFile);
            java.nio.file.Files.deleteIfExists(errFile);
            return new Result(p.exitValue(), out, err);
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd[0] + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    public static Result run(String... cmd) {
        return run(null, cmd);
    }

    /** Runs the tool in {@code dir} (null: here) and returns its standard output; fails the test unless it exits 0. */
    public static String check(Path dir, String... cmd) {
        return run(dir, cmd).orFail(String.join(" ", cmd)).out();
    }
}
