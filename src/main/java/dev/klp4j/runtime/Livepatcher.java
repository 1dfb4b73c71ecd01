package dev.klp4j.runtime;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.ModuleInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Loads and unloads livepatch modules through sysfs, the host twin of the guest runtime
 * (src/main/resources/dev/klp4j/vm/klp4j-guest.sh): both follow the same algorithm, so keep them
 * in step.
 * <ul>
 * <li>load: refuse a missing /sys/kernel/livepatch, a vermagic for another release and a name
 *     clash; insmod; poll NAME/transition every {@value #POLL_MS} ms; after the stall interval
 *     (a quarter of the timeout, at most 2 s) name the blocking tasks (patch_state not yet the
 *     target, with their stacks) and write 1 to NAME/signal, again every interval; at the
 *     timeout write 0 to NAME/enabled to reverse the transition, wait for it and rmmod, so the
 *     system is as before.</li>
 * <li>unload: write 0 to NAME/enabled, wait for the transition, wait for the patch's sysfs dir
 *     to go, rmmod.</li>
 * </ul>
 * Nothing here stops the machine: the kernel's consistency model switches tasks one by one.
 */
public final class Livepatcher {
    static final long POLL_MS = LivepatcherConstants.POLL_MS;
    static final long MAX_STALL_MS = LivepatcherConstants.MAX_STALL_MS;

    /** A finished load. */
    public record Loaded(String name, long transitionMillis, List<List<BlockingTask>> stalls, int signals) {}

    /**
     * A finished unload: unpatched in {@code transitionMillis}; {@code moduleKept} when its module is
     * permanent (built without an exit function: it carries tables that running code may still
     * point into), so the kernel keeps it until the next boot.
     */
    public record Unloaded(String name, long transitionMillis, boolean moduleKept) {
        public Unloaded(String name, long transitionMillis) {
            this(name, transitionMillis, false);
        }
    }

    private final SysRoot sys;
    private final KernelOps ops;
    private final Consumer<String> log;

    public Livepatcher(SysRoot sys, KernelOps ops, Consumer<String> log) {
        this.sys = sys;
        this.ops = ops;
        this.log = log == null ? s -> { } : log;
    }

    /** The checks done before insmod; returns the module's name. */
    public String preflight(Path ko) {
        if (!Files.isDirectory(sys.livepatchDir())) {
            throw new Failure(sys.livepatchDir() + " is missing: this kernel has no livepatch support"
                    + " (needs CONFIG_LIVEPATCH=y) or sysfs is not mounted");
        }
        ModuleInfo info = ModuleInfo.read(ko).requireLivepatch();
        String running = sys.release();
        String built = info.vermagicRelease();
        if (built == null || !built.equals(running)) {
            throw new Failure(ko + ": built for kernel " + built + " but the running kernel is " + running
                    + " (vermagic mismatch); rebuild the patch for " + running);
        }
        String name = info.name();
        if (!Files.isDirectory(sys.patch(name)) && Files.isDirectory(sys.module(name)) && permanent(name)) {
            throw new Failure("module '" + name + "' is still loaded, disabled: it is permanent (it carries changed tables) and stays"
                    + " until the next boot; load the patch under another name (klp4j build -n), or after a reboot");
        }
        if (Files.isDirectory(sys.patch(name)) || Files.isDirectory(sys.module(name))) {
            throw new Failure("a module named '" + name + "' is already loaded (name clash);"
                    + " 'klp4j unload " + name + "' first, or rebuild the patch under another name");
        }
        return name;
    }

    public Loaded load(Path ko, long timeoutMillis) {
        String name = preflight(ko);
        ops.insmod(ko);
        long t0 = ops.millis();   // the transition starts in the module's init
        if (!Files.isDirectory(sys.patch(name))) {
            // klp_enable_patch failed inside module_init, which makes insmod fail; if we get here the
            // module loaded without registering a patch.
            ops.rmmod(name);
            throw Failure.failed("'" + name + "' loaded but registered no livepatch; unloaded it again");
        }
        List<List<BlockingTask>> stalls = new ArrayList<>();
        int[] signals = {0};
        Set<String> patched = patchedFunctions(name);
        if (waitTransition(name, patched, 1, timeoutMillis, stalls, signals)) {
            long ms = ops.millis() - t0;
            log.accept("'" + name + "': patched in " + ms + " ms");
            return new Loaded(name, ms, stalls, signals[0]);
        }
        List<BlockingTask> blockers = blockingTasks(1);
        log.accept("'" + name + "': transition did not finish in " + timeoutMillis + " ms; reversing it");
        ops.write(sys.patch(name).resolve("enabled"), "0");
        if (!waitTransition(name, patched, 0, timeoutMillis, new ArrayList<>(), new int[1])) {
            throw Failure.failed("'" + name + "': patching timed out and the reverse transition is stuck too;"
                    + " blocked by " + describe(blockingTasks(0), patched) + "; the patch stays loaded: retry 'klp4j unload "
                    + name + "' later");
        }
        // Whether a reversed transition leaves the patch enabled depends on the kernel version:
        // disable it outright if it is still there and enabled, so it can be removed.
        if (Files.isDirectory(sys.patch(name)) && isTrue(sys.patch(name).resolve("enabled"))) {
            ops.write(sys.patch(name).resolve("enabled"), "0");
            waitTransition(name, patched, 0, timeoutMillis, new ArrayList<>(), new int[1]);
        }
        waitGone(name, timeoutMillis);
        // A permanent module stays: no task has used its code (the transition was reversed), but the kernel keeps it.
        boolean kept = permanent(name);
        if (!kept) ops.rmmod(name);
        throw Failure.failed("'" + name + "': the patching transition did not finish in "
                + timeoutMillis / 1000.0 + " s (blocked by " + describe(blockers, patched) + "); reversed and "
                + (kept ? "disabled it (its permanent module stays loaded, unused, until the next boot)" : "unloaded it")
                + ", the system is as before; retry when those tasks are idle or with a longer --timeout");
    }

    public Unloaded unload(String name, long timeoutMillis) {
        boolean isPatch = Files.isDirectory(sys.patch(name));
        if (!isPatch && !Files.isDirectory(sys.module(name))) {
            throw new Failure("'" + name + "' is not loaded (see 'klp4j list')");
        }
        long t0 = ops.millis();
        long ms = 0;
        if (isPatch) {
            Set<String> patched = patchedFunctions(name);
            // Writing 0 disables an applied patch, or reverses a patching transition still under way.
            if (isTrue(sys.patch(name).resolve("enabled"))) ops.write(sys.patch(name).resolve("enabled"), "0");
            if (!waitTransition(name, patched, 0, timeoutMillis, new ArrayList<>(), new int[1])) {
                throw Failure.failed("'" + name + "': the unpatching transition did not finish in "
                        + timeoutMillis / 1000.0 + " s (blocked by " + describe(blockingTasks(0), patched)
                        + "); the patch stays loaded, unpatching continues: retry 'klp4j unload " + name + "'");
            }
            ms = ops.millis() - t0;
            waitGone(name, timeoutMillis);
            if (permanent(name)) {
                log.accept("'" + name + "': unpatched; its module stays loaded until the next boot (permanent: it carries"
                        + " tables that running code may still point into)");
                return new Unloaded(name, ms, true);
            }
        }
        ops.rmmod(name);
        log.accept("'" + name + "': unpatched and unloaded");
        return new Unloaded(name, ms);
    }

    /** Whether the kernel will never remove module {@code name}: it has init code but no exit ("[permanent]" in /proc/modules). */
    public boolean permanent(String name) {
        for (String line : SysRoot.readAll(sys.proc().resolve("modules")).lines().toList()) {
            if (line.startsWith(name + " ")) return line.contains("[permanent]");
        }
        return false;
    }

    /** What {@link #signal()} did: patches signalled by us, and those whose kernel signals by itself. */
    public record Signalled(List<String> signalled, List<String> automatic) {}

    /**
     * Writes 1 to the signal attribute of every patch in transition. Kernels since 5.1 have no such
     * attribute: they send the fake signals themselves (every 15 s), so those patches are only
     * reported, with their blocking tasks.
     */
    public Signalled signal() {
        requireLivepatch();
        List<String> done = new ArrayList<>();
        List<String> automatic = new ArrayList<>();
        for (PatchStatus p : list()) {
            if (!p.inTransition()) continue;
            Path attr = sys.patch(p.name()).resolve("signal");
            if (Files.exists(attr)) {
                ops.write(attr, "1");
                done.add(p.name());
            } else {
                automatic.add(p.name());
            }
        }
        return new Signalled(done, automatic);
    }

    public List<PatchStatus> list() {
        requireLivepatch();
        List<PatchStatus> out = new ArrayList<>();
        for (Path d : children(sys.livepatchDir())) out.add(status(d.getFileName().toString()));
        return out;
    }

    public PatchStatus info(String name) {
        requireLivepatch();
        if (!Files.isDirectory(sys.patch(name))) throw new Failure("no livepatch '" + name + "' is loaded (see 'klp4j list')");
        return status(name);
    }

    PatchStatus status(String name) {
        Path d = sys.patch(name);
        List<PatchStatus.PatchedObject> objects = new ArrayList<>();
        for (Path o : children(d)) {
            List<PatchStatus.PatchedFunction> funcs = new ArrayList<>();
            for (Path f : children(o)) {
                String fn = f.getFileName().toString();
                int comma = fn.lastIndexOf(',');
                int pos = 0;
                if (comma > 0) {
                    try {
                        pos = Integer.parseInt(fn.substring(comma + 1));
                    } catch (NumberFormatException e) {
                        pos = 0;
                    }
                    fn = fn.substring(0, comma);
                }
                funcs.add(new PatchStatus.PatchedFunction(fn, pos));
            }
            Boolean patched = SysRoot.read(o.resolve("patched")).map("1"::equals).orElse(null);
            objects.add(new PatchStatus.PatchedObject(o.getFileName().toString(), patched, funcs));
        }
        return new PatchStatus(name, isTrue(d.resolve("enabled")), isTrue(d.resolve("transition")), objects);
    }

    /** Tasks whose patch_state is neither "no transition" (-1) nor the target. */
    public List<BlockingTask> blockingTasks(int target) {
        List<BlockingTask> out = new ArrayList<>();
        for (Path pid : children(sys.proc())) {
            if (!pid.getFileName().toString().matches("\\d+")) continue;
            Path tasks = pid.resolve("task");
            List<Path> threads = Files.isDirectory(tasks) ? children(tasks) : List.of(pid);
            for (Path t : threads) {
                String state = SysRoot.read(t.resolve("patch_state")).orElse("-1");
                if (state.equals("-1") || state.equals(String.valueOf(target))) continue;
                int tid = Integer.parseInt(t.getFileName().toString());
                List<String> stack = SysRoot.readAll(t.resolve("stack")).lines().map(String::trim)
                        .filter(s -> !s.isEmpty()).toList();
                out.add(new BlockingTask(tid, SysRoot.read(t.resolve("comm")).orElse("?"),
                        Integer.parseInt(state), stack));
            }
        }
        return out;
    }

    /** Polls until NAME's transition is over (or the patch is gone); false at the timeout. */
    private boolean waitTransition(String name, Set<String> patched, int target, long timeoutMillis, List<List<BlockingTask>> stalls,
                                   int[] signals) {
        long start = ops.millis();
        long stallEvery = Math.max(POLL_MS, Math.min(MAX_STALL_MS, timeoutMillis / 4));
        long nextStall = start + stallEvery;
        while (true) {
            Path d = sys.patch(name);
            if (!Files.isDirectory(d)) return true;
            if (SysRoot.read(d.resolve("transition")).map("0"::equals).orElse(true)) return true;
            long now = ops.millis();
            boolean timedOut = now - start >= timeoutMillis;
            // A slow machine may poll for the first time only after the timeout: the stall is still
            // reported once, with its blockers, before giving up.
            if (timedOut && !stalls.isEmpty()) return false;
            if (timedOut || now >= nextStall) {
                List<BlockingTask> blockers = blockingTasks(target);
                stalls.add(blockers);
                boolean canSignal = Files.exists(d.resolve("signal"));
                log.accept("'" + name + "': transition stalled after " + (now - start) + " ms; blocking tasks: "
                        + describe(blockers, patched) + (canSignal ? "; signalling them"
                        : "; this kernel signals them itself (no " + name + "/signal since Linux 5.1)"));
                for (BlockingTask b : blockers) {
                    log.accept("  " + b.pid() + " " + b.comm() + ":");
                    for (String frame : b.stack()) log.accept("      " + frame);
                }
                if (canSignal) {
                    try {
                        ops.write(d.resolve("signal"), "1");
                        signals[0]++;
                    } catch (Failure e) {
                        log.accept("'" + name + "': " + e.getMessage());
                    }
                }
                if (timedOut) return false;
                nextStall = now + stallEvery;
            }
            ops.sleep(POLL_MS);
        }
    }

    /** A disabled patch's sysfs dir goes away asynchronously once the kernel frees it. */
    private void waitGone(String name, long timeoutMillis) {
        long start = ops.millis();
        while (Files.isDirectory(sys.patch(name)) && ops.millis() - start < timeoutMillis) ops.sleep(POLL_MS);
    }

    private void requireLivepatch() {
        if (!Files.isDirectory(sys.livepatchDir())) {
            throw new Failure(sys.livepatchDir() + " is missing: this kernel has no livepatch support"
                    + " (needs CONFIG_LIVEPATCH=y) or sysfs is not mounted");
        }
    }

    private static boolean isTrue(Path attr) {
        return SysRoot.read(attr).map("1"::equals).orElse(false);
    }

    /**
     * The functions patch {@code name} replaces, from its sysfs tree ({@code OBJECT/FUNC,SYMPOS}):
     * a stalled transition waits for tasks with one of them on their stack.
     */
    public Set<String> patchedFunctions(String name) {
        Set<String> out = new HashSet<>();
        if (!Files.isDirectory(sys.patch(name))) return out;
        for (PatchStatus.PatchedObject o : status(name).objects()) {
            for (PatchStatus.PatchedFunction f : o.functions()) out.add(f.name());
        }
        return out;
    }

    /** Up to five tasks, each with the patched function it is in (else its stack's top). */
    static String describe(List<BlockingTask> tasks, Set<String> patched) {
        if (tasks.isEmpty()) return "no task we could see";
        // the tasks inside a patched function first: they are what the transition waits for
        List<BlockingTask> sorted = new ArrayList<>(tasks);
        sorted.sort(Comparator.comparing((BlockingTask t) -> t.patchedFrame(patched).isEmpty()));
        List<String> parts = new ArrayList<>();
        for (BlockingTask t : sorted.subList(0, Math.min(5, sorted.size()))) parts.add(t.describe(patched));
        return "task " + String.join(", ", parts) + (tasks.size() > 5 ? " and " + (tasks.size() - 5) + " more" : "");
    }

    private static List<Path> children(Path dir) {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isDirectory).sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
