package dev.klp4j.fleet;

import dev.klp4j.base.Failure;
import dev.klp4j.runtime.KernelOps;
import dev.klp4j.runtime.Livepatcher;
import dev.klp4j.runtime.PatchStatus;
import dev.klp4j.runtime.SysRoot;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Applies the installed patch of the running kernel on a host (klp4j.service at boot, the
 * package's postinst on install) and says what became of it. In order: a patch installed for this
 * release; not disabled (klp4j.disable=1, /etc/klp4j/disable); exactly the build it was made for;
 * not refused by the {@link CrashGuard}; loadable (a kernel that takes only signed modules and an
 * unsigned one); then the attempt is recorded, the patch loaded (replace mode takes over from an
 * earlier klp4j patch, whose module is then removed), and confirmed after a quiet period whose
 * kernel log names it in no oops, BUG or WARN. The result goes to /run/klp4j/status.json.
 */
public final class Applier {
    private final Path root;
    private final SysRoot sys;
    private final KernelOps ops;
    private final Livepatcher livepatcher;
    private final Supplier<List<String>> kernelLog;

    /**
     * {@code root} is "/" on a host (a temp dir in tests); {@code kernelLog} reads the kernel's log
     * (dmesg) as lines, oldest first.
     */
    public Applier(Path root, KernelOps ops, Livepatcher livepatcher, Supplier<List<String>> kernelLog) {
        this.root = root;
        this.sys = new SysRoot(root);
        this.ops = ops;
        this.livepatcher = livepatcher;
        this.kernelLog = kernelLog;
    }

    public Path statusFile() {
        return root.resolve("run/klp4j/status.json");
    }

    CrashGuard guard() {
        return new CrashGuard(root.resolve("var/lib/klp4j/guard"));
    }

    /** What the host is now, without loading anything. */
    public HostStatus status() {
        RunningKernel k = RunningKernel.of(sys);
        Optional<InstalledPatch> p = InstalledPatch.find(root, k.release());
        if (p.isEmpty()) return report(k, null, ApplyState.NONE, null);
        InstalledPatch patch = p.get();
        if (isEnabled(patch.moduleName())) return report(k, patch, ApplyState.APPLIED, null);
        Optional<HostStatus> blocked = blocked(k, patch);
        if (blocked.isPresent()) return blocked.get();
        return report(k, patch, ApplyState.NOT_LOADED, "installed; 'klp4j apply' (klp4j.service at boot) loads it");
    }

    /**
     * {@code now}, or what the last apply of this boot recorded when the patch is not loaded and
     * that apply said why (a failed load, a refused key): /run is this boot's. Written back to
     * /run/klp4j/status.json when this user may.
     */
    public HostStatus lastApply(HostStatus now) {
        HostStatus out = now;
        if (now.state() == ApplyState.NOT_LOADED && Files.isRegularFile(statusFile())) {
            try {
                var doc = new com.fasterxml.jackson.databind.ObjectMapper().readTree(statusFile().toFile());
                for (ApplyState st : ApplyState.values()) {
                    if (st.json().equals(doc.path("state").asText()) && !st.inKernel() && st != ApplyState.NONE) {
                        out = new HostStatus(now.kernel(), now.patch(), st, doc.path("reason").asText(null), now.livepatches());
                    }
                }
            } catch (IOException e) {
                // an unreadable record says nothing: the live state stands
            }
        }
        if (Files.isWritable(root.resolve("run")) || Files.isWritable(statusFile().getParent())) write(out);
        return out;
    }

    /** Applies the patch, waiting {@code quietMillis} after its transition before confirming it. */
    public HostStatus apply(long timeoutMillis, long quietMillis) {
        RunningKernel k = RunningKernel.of(sys);
        Optional<InstalledPatch> p = InstalledPatch.find(root, k.release());
        if (p.isEmpty()) return write(report(k, null, ApplyState.NONE, "no klp4j-livepatch package is installed for " + k.release()));
        InstalledPatch patch = p.get();
        String name = patch.moduleName();
        if (isEnabled(name)) return write(report(k, patch, ApplyState.LOADED, "already loaded"));
        Optional<HostStatus> blocked = blocked(k, patch);
        if (blocked.isPresent()) return write(blocked.get());
        CrashGuard guard = guard();
        guard.attempt(patch.module(), name, k.bootId());
        int seen = kernelLog.get().size();
        try {
            livepatcher.load(patch.module(), timeoutMillis);
        } catch (Failure e) {
            // Nothing stayed loaded: no crash to guard against, the next boot may try again.
            guard.forget(patch.module(), name);
            String msg = e.getMessage();
            if (msg.contains("Key was rejected") || msg.contains("Required key not available") || msg.contains("Key was not trusted")) {
                return write(report(k, patch, ApplyState.KEY_REJECTED, "the kernel does not trust the key that signed "
                        + name + ": enroll its certificate (mokutil --import CERT, then reboot to confirm it)"));
            }
            return write(report(k, patch, ApplyState.FAILED, msg));
        }
        for (long waited = 0; waited < quietMillis; waited += 1000) ops.sleep(Math.min(1000, quietMillis - waited));
        List<String> log = kernelLog.get();
        Optional<String> oops = KernelLogScan.oopsNaming(log.subList(Math.min(seen, log.size()), log.size()), name);
        if (oops.isPresent()) {
            String why = "the kernel logged '" + oops.get().strip() + "' in " + name + " after it was loaded";
            guard.fail(patch.module(), name, why);
            String after = "";
            try {
                livepatcher.unload(name, timeoutMillis);
                after = "; unloaded it";
            } catch (Failure e) {
                after = "; unloading it failed too: " + e.getMessage();
            }
            // this boot's failure; from the next boot on, the guard's refusal (GUARDED)
            return write(report(k, patch, ApplyState.FAILED, why + after + "; it is not loaded again"));
        }
        guard.confirm(patch.module(), name, k.bootId());
        removeReplaced(name);
        return write(report(k, patch, ApplyState.APPLIED, null));
    }

    /**
     * Removes the livepatch modules whose patch the new one replaced: the kernel drops a replaced
     * patch from /sys/kernel/livepatch but leaves its module loaded. A livepatch module is tainted
     * 'K'; one with no patch left is inert and may go.
     */
    private void removeReplaced(String loaded) {
        List<String> names;
        try (var s = Files.list(root.resolve("sys/module"))) {
            names = s.map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            return; // nothing to tidy that can be seen
        }
        for (String m : names) {
            if (m.equals(loaded) || Files.isDirectory(sys.patch(m))) continue;
            if (!SysRoot.read(root.resolve("sys/module").resolve(m).resolve("taint")).orElse("").contains("K")) continue;
            try {
                ops.rmmod(m);
            } catch (Failure e) {
                // still referenced: it goes with the next reboot
            }
        }
    }

    /** Why the installed patch is not to be loaded now, or empty. */
    private Optional<HostStatus> blocked(RunningKernel k, InstalledPatch patch) {
        if (k.disabledOnCommandLine()) return Optional.of(report(k, patch, ApplyState.DISABLED, "klp4j.disable=1 on the kernel command line"));
        if (Files.exists(root.resolve("etc/klp4j/disable"))) {
            return Optional.of(report(k, patch, ApplyState.DISABLED, "/etc/klp4j/disable exists (remove it to load patches)"));
        }
        if (!patch.builtFor().equals(k.build())) {
            return Optional.of(report(k, patch, ApplyState.WRONG_BUILD, "the patch is for the " + patch.builtFor() + " build of "
                    + k.release() + " and this kernel is " + (k.build() == null ? "of no Debian build /proc/version names" : "the " + k.build() + " build")));
        }
        if (!Files.isRegularFile(patch.module())) {
            return Optional.of(report(k, patch, ApplyState.FAILED, patch.module() + " is missing: reinstall " + patch.packageName()));
        }
        Optional<String> guarded = guard().refusal(patch.module(), patch.moduleName(), k.bootId());
        if (guarded.isPresent()) return Optional.of(report(k, patch, ApplyState.GUARDED, guarded.get()));
        String enforcing = enforcesSignatures();
        if (enforcing != null && !isSigned(patch.module())) {
            return Optional.of(report(k, patch, ApplyState.NOT_SIGNED, "the kernel loads only signed modules (" + enforcing + ") and "
                    + patch.moduleName() + " is not signed: package it with --sign-key/--sign-cert and enroll the certificate"
                    + " on the host (mokutil --import CERT)"));
        }
        if (enforcing != null) {
            Optional<String> untrusted = KernelKeys.untrustedSigner(root.resolve("proc/keys"), patch.module());
            if (untrusted.isPresent()) {
                return Optional.of(report(k, patch, ApplyState.KEY_REJECTED, "the kernel loads only signed modules (" + enforcing
                        + ") and has no key of '" + untrusted.get() + "', who signed " + patch.moduleName()
                        + ": enroll that certificate (mokutil --import CERT, then reboot to confirm it)"));
            }
        }
        return Optional.empty();
    }

    /** Why this kernel refuses unsigned modules (lockdown, module.sig_enforce), or null. */
    String enforcesSignatures() {
        String lockdown = SysRoot.read(root.resolve("sys/kernel/security/lockdown")).orElse("");
        if (!lockdown.isEmpty() && !lockdown.contains("[none]")) return "lockdown " + lockdown.replaceAll(".*\\[(\\w+)].*", "$1");
        if ("Y".equals(SysRoot.read(root.resolve("sys/module/module/parameters/sig_enforce")).orElse(""))) return "module.sig_enforce";
        return null;
    }

    /** kbuild's sign-file appends the signature and this marker. */
    static boolean isSigned(Path module) {
        byte[] marker = "~Module signature appended~\n".getBytes(StandardCharsets.US_ASCII);
        try (RandomAccessFile f = new RandomAccessFile(module.toFile(), "r")) {
            if (f.length() < marker.length) return false;
            f.seek(f.length() - marker.length);
            byte[] tail = new byte[marker.length];
            f.readFully(tail);
            return java.util.Arrays.equals(tail, marker);
        } catch (IOException e) {
            return false;
        }
    }

    private boolean isEnabled(String name) {
        return "1".equals(SysRoot.read(sys.patch(name).resolve("enabled")).orElse(""));
    }

    private HostStatus report(RunningKernel k, InstalledPatch patch, ApplyState state, String reason) {
        List<String> loaded = livepatcher.list().stream().map(PatchStatus::name).toList();
        return new HostStatus(k, patch, state, reason, loaded);
    }

    private HostStatus write(HostStatus s) {
        Path f = statusFile();
        try {
            Files.createDirectories(f.getParent());
            Path tmp = f.resolveSibling(".status.json.tmp");
            Files.writeString(tmp, s.toJson());
            Files.move(tmp, f, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new Failure(f + ": cannot write the status (" + e.getMessage() + "); run as root");
        }
        return s;
    }
}
