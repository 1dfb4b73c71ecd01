package dev.klp4j.kernel;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Builds an out-of-tree module with a kernel's own kbuild ({@code make -C KBUILD M=DIR modules}),
 * so vermagic and modversion CRCs are the target's. Output goes to {@code DIR/build.log}; a make
 * that hangs is killed after the timeout.
 */
public final class Kbuild {
    public record Result(int exit, String log, Path logFile) {
        public boolean ok() {
            return exit == 0;
        }

        /** The first error line make printed, else its last line: what a one-line message should quote. */
        public String firstError() {
            return log.lines().filter(l -> l.contains("error") || l.contains("ERROR")).findFirst()
                    .orElse(log.lines().reduce((a, b) -> b).orElse("exit " + exit)).strip();
        }
    }

    private Kbuild() {}

    public static Result modules(Path kbuildDir, Path moduleDir, int jobs, Map<String, String> env, Duration timeout) {
        Path log = moduleDir.resolve("build.log");
        ProcessBuilder pb = new ProcessBuilder(List.of("make", "-C", kbuildDir.toString(), "M=" + moduleDir.toAbsolutePath(),
                "-j" + Math.max(1, jobs), "modules"))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw KernelException.failed("kbuild of " + moduleDir + " did not finish in " + timeout.toSeconds() + " s (see " + log + ")");
            }
            return new Result(p.exitValue(), Files.readString(log), log);
        } catch (IOException e) {
            throw KernelException.failed("cannot run kbuild for " + moduleDir + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw KernelException.failed("kbuild of " + moduleDir + " was interrupted");
        }
    }
}
