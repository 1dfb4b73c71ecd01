package dev.klp4j.runtime;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.time.Duration;
import java.util.Map;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The real kernel: kmod's insmod/rmmod and plain writes to sysfs. */
public final class LinuxKernelOps implements KernelOps {

    /**
     * No deadline: killing insmod does not stop the kernel's load, so a patch could still be
     * enabled after a timeout had called the load failed. A cumulative update of hundreds of
     * objects spends minutes in init_module under TCG (6.1.190's: over 100 s before "enabling
     * patch"); a host, a second or two.
     */
    @Override
    public void insmod(Path module) {
        run(List.of("insmod", module.toAbsolutePath().toString()), "insmod " + module, null);
    }

    @Override
    public void rmmod(String name) {
        run(List.of("rmmod", name), "rmmod " + name, Duration.ofSeconds(120));
    }

    @Override
    public void write(Path attribute, String value) {
        try {
            Files.writeString(attribute, value + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw Failure.failed("cannot write '" + value + "' to " + attribute + ": " + e.getMessage());
        }
    }

    @Override
    public long millis() {
        return System.nanoTime() / 1_000_000;
    }

    @Override
    public void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed("interrupted");
        }
    }

    private static void run(List<String> cmd, String what, Duration deadline) {
        Toolchain.Result r;
        Path log = null;
        try {
            log = Files.createTempFile("klp4j-" + cmd.get(0), ".log");
            r = Toolchain.HOST.run(null, cmd, Map.of(), new byte[0], deadline, log);
        } catch (IOException e) {
            throw Failure.failed(what + ": cannot run " + cmd.get(0) + " (" + e.getMessage() + ")");
        } catch (Failure e) {
            throw Failure.failed(what + ": " + e.getMessage() + (e.getMessage().startsWith("cannot run") ? "; install kmod" : ""));
        } finally {
            if (log != null) try { Files.deleteIfExists(log); } catch (IOException ignored) { /* temp file */ }
        }
        String out = r.output().trim();
        if (!r.ok()) throw Failure.failed(what + " failed: " + (out.isEmpty() ? "exit " + r.status() : out.replace('\n', ' ')) + " (see dmesg)");
    }
}
