package dev.klp4j.cli;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Toolchain;
import dev.klp4j.fleet.Applier;
import dev.klp4j.fleet.ApplyState;
import dev.klp4j.fleet.HostStatus;
import java.util.List;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The host side of fleet delivery: apply the installed klp4j-livepatch package, and say what became of it. */
final class HostCommands {
    private HostCommands() {}

    /** The kernel's log as lines (dmesg); tests put their own for their thread. */
    static final ThreadLocal<Supplier<List<String>>> KERNEL_LOG = ThreadLocal.withInitial(() -> () -> {
        Toolchain.Result r = Exec.run(null, List.of("dmesg"));
        return r.ok() ? r.output().lines().toList() : List.of();
    });

    static Applier applier(RuntimeOptions opts, CommandSpec spec) {
        return new Applier(opts.root, RuntimeOptions.OPS.get(), opts.livepatcher(RuntimeCommands.err(spec)), KERNEL_LOG.get());
    }

    static void print(HostStatus s, boolean json, CommandSpec spec) {
        RuntimeCommands.out(spec).print(json ? s.toJson() : s.toText());
        RuntimeCommands.out(spec).flush();
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Load the installed klp4j-livepatch package of the running kernel, under the crash guard.",
                    "What klp4j.service runs at boot and the package runs on install. It loads only the exact build the"
                            + " patch is for, not when klp4j.disable=1 or /etc/klp4j/disable, and never again a patch whose"
                            + " earlier attempt was not confirmed (a crash) or that an oops named. Writes /run/klp4j/status.json."})
    static final class Apply implements Runnable {
        @Option(names = "--timeout", defaultValue = "60", paramLabel = "S",
                description = "Seconds the transition may take (default: ${DEFAULT-VALUE}).") double timeout;
        @Option(names = "--quiet-period", defaultValue = "10", paramLabel = "S",
                description = "Seconds without an oops, BUG or WARN naming the patch before it is confirmed (default: ${DEFAULT-VALUE}).")
        double quiet;
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            long ms = RuntimeCommands.millis(timeout, "--timeout");
            if (!(quiet >= 0)) throw new UserError("--quiet-period must be 0 or more seconds");
            HostStatus s = Failures.call(() -> applier(opts, spec).apply(ms, (long) (quiet * 1000)));
            print(s, opts.json, spec);
            // Skipping on purpose (nothing installed, disabled, another build, the guard) is not a failure of the unit.
            if (s.state() == ApplyState.FAILED || s.state() == ApplyState.NOT_SIGNED || s.state() == ApplyState.KEY_REJECTED) {
                throw new UserError(ExitStatus.FAILED, s.patch().moduleName() + " not applied: " + s.reason());
            }
        }
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = {"Say which kernel build runs, which klp4j patch is installed for it and whether it is loaded,"
                    + " the version the host is equivalent to, and the CVEs it covers or that still need a reboot."})
    static final class Status implements Runnable {
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            Applier a = applier(opts, spec);
            HostStatus s = Failures.call(a::status);
            // The last apply of this boot knows why it skipped or failed; the live state wins once loaded.
            HostStatus last = Failures.call(() -> a.lastApply(s));
            print(last, opts.json, spec);
        }
    }
}
