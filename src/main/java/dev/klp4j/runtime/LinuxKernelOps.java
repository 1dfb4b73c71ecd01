package dev.klp4j.runtime;

import dev.klp4j.base.Failure;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real kernel: kmod's insmod/rmmod and plain writes to sysfs. */
public final class LinuxKernelOps implements KernelOps {

    @Override
    public void insmod(Path module) {
        run(List.of("insmod", module.toAbsolutePath().toString()), "insmod " + module);
    }

    @Override
    public void rmmod(String name) {
        run(List.of("rmmod", name), "rmmod " + name);
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

    private static void run(List<String> cmd, String what) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out;
            try (InputStream in = p.getInputStream()) {
                out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw Failure.failed(what + " did not return in 120 s");
            }
            if (p.exitValue() != 0) {
                throw Failure.failed(what + " failed: " + (out.isEmpty() ? "exit " + p.exitValue()
                        : out.replace('\n', ' ')) + " (see dmesg)");
            }
        } catch (IOException e) {
            throw Failure.failed(what + ": cannot run " + cmd.get(0) + " (" + e.getMessage() + "); install kmod");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed(what + " interrupted");
        }
    }
}
