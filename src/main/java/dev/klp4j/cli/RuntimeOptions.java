package dev.klp4j.cli;

import dev.klp4j.runtime.KernelOps;
import dev.klp4j.runtime.LinuxKernelOps;
import dev.klp4j.runtime.Livepatcher;
import dev.klp4j.runtime.PatchStore;
import dev.klp4j.runtime.SysRoot;
import java.io.PrintWriter;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options the runtime commands share: --json, where sysfs/procfs and the patch store are. */
final class RuntimeOptions {
    @Option(names = "--json", description = "Print JSON instead of text.")
    boolean json;

    @Option(names = "--root", hidden = true, defaultValue = "${env:KLP4J_ROOT:-/}",
            description = "Root of the sysfs/procfs tree to act on (tests use a fake one).")
    Path root;

    @Option(names = "--store", paramLabel = "DIR", defaultValue = "${env:KLP4J_STORE:-/var/lib/klp4j}",
            description = "Where installed patches are kept, per kernel release (default: ${DEFAULT-VALUE}).")
    Path store;

    /** Tests swap the real kernel for a fake one, for their own thread (test classes run side by side). */
    static final ThreadLocal<KernelOps> OPS = ThreadLocal.withInitial(LinuxKernelOps::new);

    SysRoot sys() {
        return new SysRoot(root);
    }

    PatchStore patchStore() {
        return new PatchStore(store);
    }

    Livepatcher livepatcher(PrintWriter err) {
        return new Livepatcher(sys(), OPS.get(), line -> {
            err.println("klp4j: " + line);
            err.flush();
        });
    }
}
