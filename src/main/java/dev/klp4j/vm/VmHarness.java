package dev.klp4j.vm;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelTree;
import dev.klp4j.kernel.ModuleInfo;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Proves patch modules in a throw-away guest: builds the initramfs, boots the target kernel in
 * QEMU, follows the guest runtime's report while it runs the sequence (check fails, load, wait
 * for the transition, check passes, unload, check fails, clean dmesg), kills a hung guest at the
 * timeout, and removes its temporary files.
 */
public final class VmHarness {
    /**
     * Options of one run: {@code timeoutSeconds} bounds the whole guest (boot to power-off; then it
     * is killed), {@code loadTimeoutSeconds} each transition inside it (then it is reversed);
     * {@code guestModules} are modules the check loads (what the patches target), packed into the
     * image with their dependencies for a kernel whose guest cannot share the host's modules.
     */
    public record Spec(KernelTree kernel, List<Path> modules, Path check, int timeoutSeconds, int loadTimeoutSeconds,
                       int cpus, Path log, GuestRuntime runtime, List<String> guestModules) {
        public Spec {
            guestModules = List.copyOf(guestModules);
        }

        /** Packing no modules but the patches' own dependencies. */
        public Spec(KernelTree kernel, List<Path> modules, Path check, int timeoutSeconds, int loadTimeoutSeconds, int cpus, Path log,
                    GuestRuntime runtime) {
            this(kernel, modules, check, timeoutSeconds, loadTimeoutSeconds, cpus, log, runtime, List.of());
        }

        /** With klp4j's Java runtime in the guest. */
        public Spec(KernelTree kernel, List<Path> modules, Path check, int timeoutSeconds, int loadTimeoutSeconds, int cpus, Path log) {
            this(kernel, modules, check, timeoutSeconds, loadTimeoutSeconds, cpus, log, GuestRuntime.JAVA);
        }
    }

    /** How a run ended; {@code lastConsoleLine} is the serial console's last line (e.g. a panic). */
    public record Outcome(GuestReport report, boolean timedOut, int qemuExit, long millis, Path serialLog,
                          String qemuErrors, String lastConsoleLine) {
        public boolean passed() {
            return !timedOut && report.passed();
        }
    }

    /**
     * Where this thread's guests keep temp dirs and failure logs; unset for java.io.tmpdir. Tests
     * point it at their own dir, per thread: test classes run side by side.
     */
    static final ThreadLocal<Path> TMP_ROOT = new InheritableThreadLocal<>();

    private VmHarness() {}

    private static Path tempDir() throws IOException {
        Path tmpRoot = TMP_ROOT.get();
        return tmpRoot == null ? Files.createTempDirectory("klp4j-vm-") : Files.createTempDirectory(tmpRoot, "klp4j-vm-");
    }

    /** Checks the inputs on the host, before anything boots. */
    public static void validate(Spec spec) {
        spec.kernel().requireBootable();
        if (spec.modules().isEmpty()) throw new Failure("no --module given: name the patch module(s) to prove");
        for (Path m : spec.modules()) ModuleInfo.read(m).requireRelease(spec.kernel().release());
        if (spec.check() != null) GuestImage.requireBusyboxScript(spec.check());
        if (spec.timeoutSeconds() <= 0) throw new Failure("--timeout must be a positive number of seconds");
        if (spec.loadTimeoutSeconds() <= 0) throw new Failure("--load-timeout must be a positive number of seconds");
        if (spec.cpus() <= 0) throw new Failure("--cpus must be a positive number");
        GuestImage.busybox();
        Qemu.binary();
    }

    /** Runs the sequence; {@code onPhase} sees each phase as the guest reports it. */
    public static Outcome test(Spec spec, Consumer<GuestReport.Phase> onPhase) {
        if (spec.check() == null) throw new Failure("no --check given: name a script that exits 0 only while the patch is active");
        return run(spec, GuestImage.Mode.TEST, 1, onPhase);
    }

    /** Loads and unloads the modules {@code runs} times on an idle guest, reporting every transition. */
    public static Outcome bench(Spec spec, int runs, Consumer<GuestReport.Phase> onPhase) {
        if (runs <= 0) throw new Failure("--runs must be a positive number");
        return run(spec, GuestImage.Mode.BENCH, runs, onPhase);
    }

    private static Outcome run(Spec spec, GuestImage.Mode mode, int runs, Consumer<GuestReport.Phase> onPhase) {
        validate(spec);
        Path work = null;
        long t0 = System.nanoTime();
        try {
            work = tempDir();
            Path initramfs = work.resolve("initramfs.cpio");
            GuestImage image = new GuestImage(spec.kernel(), mode, spec.modules(), spec.check(), spec.loadTimeoutSeconds(), runs, spec.runtime(),
                    spec.guestModules());
            image.write(initramfs);
            int memoryMb = Qemu.memoryMb(initramfs) + (int) (image.neededModuleBytes() >> 20);
            Path serial = work.resolve("serial.log");
            Path proto = work.resolve("proto.log");
            Files.createFile(proto);
            Path qemuErr = work.resolve("qemu.err");
            Process p = new ProcessBuilder(Qemu.batch(spec.kernel(), initramfs, memoryMb, spec.cpus(), serial, proto))
                    .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                    .redirectOutput(qemuErr.toFile()).redirectErrorStream(true).start();
            // Ctrl-C or a kill of klp4j must not leave a guest running or its files behind
            Path dir = work;
            Thread cleanup = new Thread(() -> {
                p.destroyForcibly();
                FileTrees.deleteQuietly(dir);
            }, "klp4j-vm-cleanup");
            Runtime.getRuntime().addShutdownHook(cleanup);
            try {
                return follow(spec, p, proto, qemuErr, serial, t0, onPhase);
            } finally {
                p.destroyForcibly();
                try {
                    Runtime.getRuntime().removeShutdownHook(cleanup);
                } catch (IllegalStateException e) {
                    // already shutting down: the hook does the cleanup
                }
            }
        } catch (IOException e) {
            throw Failure.failed("VM run failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed("VM run interrupted");
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    private static Outcome follow(Spec spec, Process p, Path proto, Path qemuErr, Path serial, long t0,
                                  Consumer<GuestReport.Phase> onPhase) throws IOException, InterruptedException {
        GuestReport report = new GuestReport();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(spec.timeoutSeconds());
        boolean timedOut = false;
        try (RandomAccessFile in = new RandomAccessFile(proto.toFile(), "r")) {
            StringBuilder partial = new StringBuilder();
            while (true) {
                boolean exited = p.waitFor(100, TimeUnit.MILLISECONDS);
                drain(in, partial, report, onPhase);
                if (exited) break;
                if (System.nanoTime() > deadline) {
                    timedOut = true;
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                    break;
                }
            }
            if (partial.length() > 0) feed(partial.toString(), report, onPhase);
        }
        String errors = Files.readString(qemuErr, StandardCharsets.UTF_8).trim();
        String last = "";
        if (Files.exists(serial)) {
            last = new String(Files.readAllBytes(serial), StandardCharsets.UTF_8).replace("\r", "").lines()
                    .map(String::trim).filter(l -> !l.isEmpty()).reduce((a, b) -> b).orElse("");
        }
        Path kept = keepLog(spec, serial, timedOut || !report.passed());
        return new Outcome(report, timedOut, timedOut ? -1 : p.exitValue(),
                (System.nanoTime() - t0) / 1_000_000, kept, errors, last);
    }

    /** Boots the same image with an interactive shell on the console; returns QEMU's exit status. */
    public static int shell(KernelTree kernel, List<Path> modules, Path check) {
        kernel.requireBootable();
        for (Path m : modules) ModuleInfo.read(m).requireRelease(kernel.release());
        if (check != null) GuestImage.requireBusyboxScript(check);
        Path work = null;
        try {
            work = tempDir();
            Path initramfs = work.resolve("initramfs.cpio");
            new GuestImage(kernel, GuestImage.Mode.SHELL, modules, check, 60).write(initramfs);
            Process p = new ProcessBuilder(Qemu.interactive(kernel, initramfs, 1)).inheritIO().start();
            return p.waitFor();
        } catch (IOException e) {
            throw Failure.failed("VM shell failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failure.failed("VM shell interrupted");
        } finally {
            FileTrees.deleteQuietly(work);
        }
    }

    /** The serial log survives the temp dir when asked for (--log) or when the run failed. */
    private static Path keepLog(Spec spec, Path serial, boolean failed) throws IOException {
        if (!Files.exists(serial)) return null;
        Path target = spec.log();
        if (target == null) {
            if (!failed) return null;
            Path tmpRoot = TMP_ROOT.get();
            target = tmpRoot == null ? Files.createTempFile("klp4j-vm-serial-", ".log")
                    : Files.createTempFile(tmpRoot, "klp4j-vm-serial-", ".log");
        }
        if (target.getParent() != null) Files.createDirectories(target.getParent());
        return Files.copy(serial, target, StandardCopyOption.REPLACE_EXISTING);
    }

    private static void drain(RandomAccessFile in, StringBuilder partial, GuestReport report,
                              Consumer<GuestReport.Phase> onPhase) throws IOException {
        long avail = in.length() - in.getFilePointer();
        if (avail <= 0) return;
        byte[] buf = new byte[(int) Math.min(avail, 1 << 20)];
        in.readFully(buf);
        partial.append(new String(buf, StandardCharsets.UTF_8).replace("\r", ""));
        int nl;
        while ((nl = partial.indexOf("\n")) >= 0) {
            feed(partial.substring(0, nl), report, onPhase);
            partial.delete(0, nl + 1);
        }
    }

    private static void feed(String line, GuestReport report, Consumer<GuestReport.Phase> onPhase) {
        GuestReport.Phase done = report.accept(line);
        if (done != null && onPhase != null) onPhase.accept(done);
    }
}
