package dev.klp4j.cli;

import dev.klp4j.build.BuildException;
import dev.klp4j.kernel.KernelException;
import java.util.function.Supplier;

/** Maps the kernel, VM and runtime packages' failures to one-line CLI errors and exit codes. */
final class Failures {
    private Failures() {}

    static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (KernelException e) {
            throw new UserError(e.isInputError() ? Main.INPUT : Main.FAILED, e.getMessage());
        } catch (BuildException e) {
            // Fetching another Debian release's kernel for the VM: the archive or the network failed.
            throw new UserError(e.exitCode() == BuildException.INPUT ? Main.INPUT : Main.FAILED, e.getMessage());
        }
    }

    static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }
}
