package dev.klp4j.cli;

import dev.klp4j.base.Failure;
import java.util.function.Supplier;

/**
 * Runs a kernel, VM or runtime operation and turns its expected failures into one-line CLI errors
 * (exit statuses from {@link ExitStatus#ofOperation}). Anything else is a bug and goes on to Main.
 */
final class Failures {
    private Failures() {}

    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (Failure e) {
            throw new UserError(ExitStatus.ofOperation(e.kind()), e.getMessage());
        }
    }

    static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
