package dev.klp4j.cli;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.debian.SuiteKernels;
import dev.klp4j.debian.TargetPackages;
import dev.klp4j.debian.KernelRelease;
import dev.klp4j.kernel.KernelTree;
import dev.klp4j.vm.GuestReport;
import dev.klp4j.vm.GuestRuntime;
import dev.klp4j.vm.VmHarness;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "vm", mixinStandardHelpOptions = true,
        description = "Prove livepatch modules in a QEMU guest running the target kernel (software emulation, no KVM).",
        subcommands = {VmCommand.Test.class, VmCommand.Shell.class})
final class VmCommand {

    /** Options of every VM run. */
    static class VmOptions {
        @Option(names = {"-k", "--kernel"}, paramLabel = "RELEASE",
                description = "Kernel release to boot (default: the one linux-image-amd64 depends on; 'bookworm' or 'trixie': that suite's current kernel).") String kernel;
        @Option(names = "--module", paramLabel = "X.ko", description = "A patch module to load, in order (repeatable).")
        List<Path> modules = new ArrayList<>();

        KernelTree tree() {
            String named = kernel == null ? null : Failures.call(() -> SuiteKernels.resolve(kernel, CacheRoot.path()));
            return bootable(KernelRelease.resolve(named));
        }
    }

    /** The files to boot {@code release} from: the host's, or, for another Debian release's kernel, those unpacked into klp4j's cache. */
    static KernelTree bootable(String release) {
        return Failures.call(() -> {
            Path root = new TargetPackages(CacheRoot.path()).rootFor(release, Path.of("/"),
                    msg -> System.err.println("  " + msg));
            return KernelTree.of(release, root).requireBootable();
        });
    }

    @Command(name = "test", mixinStandardHelpOptions = true,
            description = {"Boot the target kernel and prove the modules: check fails; load; wait for the transition;"
                    + " check passes; unload; check fails; dmesg clean. Exit 0 only if every phase held."})
    static final class Test extends VmOptions implements Runnable {
        @Option(names = "--check", required = true, paramLabel = "SCRIPT",
                description = "A #!/bin/sh script that exits 0 only while the patch is active.") Path check;
        @Option(names = "--json", description = "Print the report as JSON.") boolean json;
        @Option(names = "--timeout", defaultValue = "240", paramLabel = "S",
                description = "Seconds the guest may run before it is killed (default: ${DEFAULT-VALUE}).") int timeout;
        @Option(names = "--load-timeout", defaultValue = "30", paramLabel = "S",
                description = "Seconds each transition may take in the guest before it is reversed (default: ${DEFAULT-VALUE}).")
        int loadTimeout;
        @Option(names = "--cpus", defaultValue = "1", description = "Guest CPUs (default: ${DEFAULT-VALUE}).") int cpus;
        @Option(names = "--guest-runtime", defaultValue = "java", paramLabel = "java|shell",
                description = "What loads the patches in the guest: klp4j's Java runtime, or its busybox twin (much faster"
                        + " to start under emulation) (default: ${DEFAULT-VALUE}).") String runtime;
        @Option(names = "--log", paramLabel = "FILE",
                description = "Keep the guest's serial console here (default: kept in a temp file only on failure).") Path log;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            GuestRuntime rt = guestRuntime(runtime);
            VmHarness.Spec s = new VmHarness.Spec(tree(), modules, check, timeout, loadTimeout, cpus, log, rt);
            Failures.run(() -> VmHarness.validate(s));   // bad input: one line, before any output
            if (!json) {
                out.printf("booting %s with %d module(s) under QEMU (tcg)...%n", s.kernel().release(), modules.size());
                out.flush();
            }
            VmHarness.Outcome o = Failures.call(() -> VmHarness.test(s, json ? null : p -> {
                out.printf("  %-13s %s  %s%n", p.name(), p.passed() ? "pass" : "FAIL", p.detail());
                out.flush();
            }));
            report(o, json, out, "vm test");
        }
    }

    @Command(name = "shell", mixinStandardHelpOptions = true,
            description = {"Boot the same image with an interactive shell on this terminal (serial console on stdio).",
                    "In the guest: 'klp load /klp4j/patches/01-X.ko', 'klp list', 'klp unload NAME'; 'exit' powers off,"
                            + " Ctrl-A X kills QEMU."})
    static final class Shell extends VmOptions implements Runnable {
        @Option(names = "--check", paramLabel = "SCRIPT", description = "A check script to put at /klp4j/check.") Path check;

        @Override
        public void run() {
            KernelTree t = tree();
            int rc = Failures.call(() -> VmHarness.shell(t, modules, check));
            if (rc != 0) throw new UserError(ExitStatus.FAILED, "QEMU exited with status " + rc);
        }
    }

    /** Prints the outcome; fails the command unless every phase held. */
    static void report(VmHarness.Outcome o, boolean json, PrintWriter out, String what) {
        GuestReport r = o.report();
        if (json) {
            Map<String, Object> j = new LinkedHashMap<>(r.toJson());
            j.put("passed", o.passed());
            j.put("timedOut", o.timedOut());
            j.put("seconds", o.millis() / 1000.0);
            j.put("serialLog", o.serialLog() == null ? null : o.serialLog().toString());
            if (!o.passed()) j.put("dmesg", r.dmesg());
            out.println(Json.write(j));
        } else {
            for (GuestReport.Transition t : r.transitions()) {
                out.printf("  transition    %s %s: %.1f ms (kernel), %d ms seen by the runtime%n", t.module(), t.kind(),
                        t.kernelMicros() / 1000.0, t.wallMillis());
            }
            // the last stall of each module says what held its transition up longest
            Map<String, GuestReport.Stall> lastStall = new LinkedHashMap<>();
            for (GuestReport.Stall st : r.stalls()) lastStall.put(st.module(), st);
            lastStall.values().forEach(st -> out.printf("  stalled       %s: %d task(s) held the transition up: %s%n",
                    st.module(), st.tasks(), st.heldBy()));
            r.blocked().forEach((m, tasks) -> out.printf("  blocked       %s: transition held up by task(s) %s%n", m, tasks));
            for (String m : r.reversed()) out.printf("  reversed      %s: timed out, reversed and unloaded%n", m);
            if (!o.passed() && r.result() != null) {
                out.println("guest dmesg since the sequence began:");
                for (String l : r.dmesg()) out.println("  " + l);
                if (r.dmesg().isEmpty()) out.println("  (no new messages)");
            }
            if (o.passed()) out.printf("%s: PASS, %d phases held in %.1f s%n", what, r.phases().size(), o.millis() / 1000.0);
        }
        out.flush();
        if (o.timedOut()) {
            throw new UserError(ExitStatus.FAILED, "the guest did not finish within its --timeout (last phase: " + r.lastPhase()
                    + "); killed it; serial log: " + o.serialLog());
        }
        if (!o.passed()) {
            String why = r.phases().stream().filter(p -> !p.passed()).findFirst()
                    .map(p -> "phase " + p.name() + " failed: " + p.detail())
                    .orElse((r.booted() ? "the guest stopped after phase " + r.lastPhase() : "the guest did not boot")
                            + (!o.qemuErrors().isEmpty() ? " (qemu: " + o.qemuErrors().lines().findFirst().orElse("") + ")"
                            : !o.lastConsoleLine().isEmpty() ? " (console: " + o.lastConsoleLine() + ")" : ""));
            throw new UserError(ExitStatus.FAILED, what + " failed: " + why + "; serial log: " + o.serialLog());
        }
    }

    /** The value of --guest-runtime (vm test, build --prove). */
    static GuestRuntime guestRuntime(String name) {
        return switch (name) {
            case "java" -> GuestRuntime.JAVA;
            case "shell" -> GuestRuntime.SHELL;
            default -> throw new UserError(ExitStatus.INPUT, "--guest-runtime " + name + ": use java or shell");
        };
    }
}
