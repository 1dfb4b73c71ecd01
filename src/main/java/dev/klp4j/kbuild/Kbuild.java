package dev.klp4j.kbuild;

import dev.klp4j.base.Toolchain;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

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
        return modules(Toolchain.HOST, kbuildDir, moduleDir, jobs, env, timeout);
    }

    /** As {@link #modules(Path, Path, int, Map, Duration)}, where {@code tools} run (a build root for another suite's kernel). */
    public static Result modules(Toolchain tools, Path kbuildDir, Path moduleDir, int jobs, Map<String, String> env, Duration timeout) {
        Path log = moduleDir.resolve("build.log");
        Toolchain.Result r = tools.run(moduleDir, List.of("make", "-C", kbuildDir.toString(), "M=" + moduleDir.toAbsolutePath(),
                "-j" + Math.max(1, jobs), "modules"), env, new byte[0], timeout, log);
        return new Result(r.status(), r.output(), log);
    }
}
