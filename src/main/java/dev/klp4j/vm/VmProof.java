package dev.klp4j.vm;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * {@code klp4j build --prove}: every module the build writes is loaded in a guest before anyone
 * ships it. The check is made from what the patch targets: each module it patches is loaded
 * (modprobe, once per boot, before the patch), then the patch must be enabled and report every
 * object patched; the usual phases (fails before, passes while loaded, fails after, clean dmesg)
 * follow.
 */
public final class VmProof {
    private VmProof() {}

    /** The check script for patch {@code patch} targeting {@code objects} (vmlinux and module names). */
    public static String checkScript(String patch, List<String> objects) {
        return checkScript(patch, objects, List.of(), false);
    }

    /**
     * As {@link #checkScript(String, List)}, and the patches in {@code replaced} (loaded before it,
     * as a host that ran an earlier update has them) must be gone: the new patch replaced them.
     * With {@code skipUnloadable}, a module the guest cannot load (kvm_intel needs VMX, which TCG
     * lacks) is not checked, and the check's first line names it; otherwise it fails the check.
     * An update patches dozens of modules: one this VM cannot load must not hide the rest's proof.
     */
    public static String checkScript(String patch, List<String> objects, List<String> replaced, boolean skipUnloadable) {
        for (String n : replaced) {
            if (!n.matches("[A-Za-z0-9_]+")) throw new Failure("patch name '" + n + "' cannot be checked in the guest");
        }
        List<String> modules = new ArrayList<>();
        for (String o : objects) if (!o.equals("vmlinux") && !modules.contains(o)) modules.add(o);
        for (String n : objects) {
            if (!n.matches("[A-Za-z0-9_-]+")) throw new Failure("object name '" + n + "' cannot be checked in the guest");
        }
        StringBuilder s = new StringBuilder("#!/bin/sh\n# klp4j build --prove: the patch is enabled and has patched every object it targets.\n");
        if (!modules.isEmpty()) {
            s.append("[ -e /tmp/.klp4j-modprobed ] || { mkdir -p /tmp; : > /tmp/.klp4j-unloadable; for m in ").append(String.join(" ", modules))
                    .append(skipUnloadable ? "; do modprobe \"$m\" || echo \"$m\" >> /tmp/.klp4j-unloadable; done;" : "; do modprobe \"$m\" || exit 2; done;")
                    .append(" touch /tmp/.klp4j-modprobed; }\n");
        }
        s.append("[ \"$(cat /sys/kernel/livepatch/").append(patch).append("/enabled 2>/dev/null)\" = 1 ] || exit 1\n");
        s.append("for o in ").append(String.join(" ", new java.util.LinkedHashSet<>(objects))).append("; do\n");
        if (skipUnloadable) s.append("\tgrep -qx \"$o\" /tmp/.klp4j-unloadable 2>/dev/null && continue\n");
        s.append("\t[ \"$(cat /sys/kernel/livepatch/").append(patch).append("/$o/patched 2>/dev/null)\" = 1 ] || exit 1\n")
                .append("done\n");
        for (String n : replaced) s.append("[ ! -d /sys/kernel/livepatch/").append(n).append(" ] || exit 1\n");
        if (skipUnloadable) {
            s.append("[ -s /tmp/.klp4j-unloadable ] && echo \"not loadable in this VM, so not checked: $(tr '\\n' ' ' < /tmp/.klp4j-unloadable)\"\n");
            s.append("exit 0\n");
        }
        return s.toString();
    }

    /**
     * The guest's limit for one check (and one transition): the first check modprobes every
     * module the patch targets, a second or two each under TCG. 30 s failed a Debian 13 update
     * that patches 102 modules before anything was loaded.
     */
    static int checkLimitSeconds(int modules) {
        return 30 + 2 * modules;
    }

    /**
     * The least time the whole guest gets for a patch of {@code modules} modules: each check
     * limit (the first modprobes them all), both transitions and the boot. A fixed 600 s cannot
     * hold a 6.1.190 update that patches 304 modules.
     */
    static int guestLimitSeconds(int modules) {
        return 120 + 4 * checkLimitSeconds(modules);
    }

    /**
     * Boots {@code kernel} and proves {@code ko} (the patch {@code patch}, patching {@code objects});
     * the guest gets {@code timeoutSeconds}, or more when the patch targets many modules.
     */
    public static VmHarness.Outcome prove(KernelTree kernel, Path ko, String patch, List<String> objects, int timeoutSeconds,
                                          GuestRuntime runtime, Consumer<GuestReport.Phase> onPhase) {
        return prove(kernel, List.of(), ko, patch, objects, false, timeoutSeconds, runtime, onPhase);
    }

    /**
     * As {@link #prove(KernelTree, Path, String, List, int, GuestRuntime, Consumer)}, with the
     * patches in {@code earlier} loaded first: {@code ko} must replace them.
     */
    public static VmHarness.Outcome prove(KernelTree kernel, List<Path> earlier, Path ko, String patch, List<String> objects,
                                          boolean skipUnloadable, int timeoutSeconds, GuestRuntime runtime, Consumer<GuestReport.Phase> onPhase) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("klp4j-prove-");
            Path check = dir.resolve("check.sh");
            List<String> replaced = earlier.stream().map(p -> p.getFileName().toString().replaceFirst("\\.ko$", "").replace('-', '_')).toList();
            Files.writeString(check, checkScript(patch, objects, replaced, skipUnloadable));
            List<Path> modules = new java.util.ArrayList<>(earlier);
            modules.add(ko);
            List<String> targets = objects.stream().filter(o -> !o.equals("vmlinux")).distinct().toList();
            int limit = Math.max(timeoutSeconds, guestLimitSeconds(targets.size()));
            return VmHarness.test(new VmHarness.Spec(kernel, modules, check, limit, checkLimitSeconds(targets.size()), 1, null,
                    runtime, targets), onPhase);
        } catch (IOException e) {
            throw new Failure("cannot write the proof's check script: " + e.getMessage());
        } finally {
            if (dir != null) {
                try {
                    Files.deleteIfExists(dir.resolve("check.sh"));
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) { /* a temp file */ }
            }
        }
    }
}
