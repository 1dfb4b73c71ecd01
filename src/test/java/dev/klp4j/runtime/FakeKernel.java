package dev.klp4j.runtime;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.ModuleInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A simulated kernel behind a fake sysfs/procfs tree in a temp dir: insmod registers a patch and
 * starts its transition; tasks switch state after {@code switchAfterMs} unless stuck; a stuck task
 * may be freed by a write to NAME/signal; writing 0 to NAME/enabled reverses or starts unpatching;
 * a finished unpatching frees the patch (its dir goes); rmmod of a registered patch fails.
 * Time only moves when the code under test sleeps.
 */
final class FakeKernel implements KernelOps {
    final Path root;
    final SysRoot sys;
    final List<String> actions = new ArrayList<>();
    final Map<Integer, String> tasks = new LinkedHashMap<>();
    final Set<Integer> stuck = new LinkedHashSet<>();
    long switchAfterMs = 30;
    boolean signalAttribute = true;
    boolean signalFreesStuck = true;
    /** Stuck tasks also hold up unpatching and reversals (a task that never leaves the kernel). */
    boolean stuckBothWays = false;
    long now = 1_000;

    private String patch;         // the patch in transition
    private int target;           // its target state
    private long transitionStart;

    FakeKernel(Path root, String release) throws IOException {
        this.root = root;
        this.sys = new SysRoot(root);
        Files.createDirectories(sys.livepatchDir());
        Files.createDirectories(root.resolve("sys/module"));
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), release + "\n");
        task(1, "init", false);
        task(300, "bash", false);
    }

    void task(int pid, String comm, boolean isStuck) throws IOException {
        Path t = root.resolve("proc/" + pid + "/task/" + pid);
        Files.createDirectories(t);
        Files.writeString(t.resolve("comm"), comm + "\n");
        Files.writeString(t.resolve("stack"), isStuck
                ? "[<0>] cmdline_proc_show+0x10/0x30\n[<0>] seq_read_iter+0x120/0x4b0\n[<0>] vfs_read+0x1a0/0x2c0\n"
                : "[<0>] do_wait+0x160/0x2f0\n");
        Files.writeString(t.resolve("patch_state"), "-1\n");
        tasks.put(pid, comm);
        if (isStuck) stuck.add(pid);
    }

    int patchState(int pid) throws IOException {
        return Integer.parseInt(Files.readString(root.resolve("proc/" + pid + "/task/" + pid + "/patch_state")).trim());
    }

    @Override
    public void insmod(Path module) {
        String name = ModuleInfo.read(module).name();
        actions.add("insmod " + name);
        try {
            Files.createDirectories(sys.module(name));
            Path d = sys.patch(name);
            Files.createDirectories(d.resolve("vmlinux/cmdline_proc_show,1"));
            Files.writeString(d.resolve("vmlinux/patched"), "1\n");
            Files.writeString(d.resolve("enabled"), "1\n");
            Files.writeString(d.resolve("force"), "0\n");
            if (signalAttribute) Files.writeString(d.resolve("signal"), "0\n");
            start(name, 1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void rmmod(String name) {
        actions.add("rmmod " + name);
        if (Files.isDirectory(sys.patch(name))) throw Failure.failed("rmmod " + name + ": Device or resource busy");
        // a module with init but no exit: the kernel refuses delete_module
        if (SysRoot.readAll(root.resolve("proc/modules")).contains(name + " 16384 0 [permanent]")) {
            throw Failure.failed("rmmod " + name + ": Device or resource busy");
        }
        delete(sys.module(name));
    }

    @Override
    public void write(Path attribute, String value) {
        String name = attribute.getParent().getFileName().toString();
        String attr = attribute.getFileName().toString();
        actions.add("write " + name + "/" + attr + " " + value);
        try {
            if (attr.equals("enabled") && value.equals("0")) {
                Files.writeString(attribute, "0\n");
                if (name.equals(patch)) {
                    // reversal: tasks already switched go back, the rest are already there
                    start(name, 0);
                } else {
                    for (int pid : tasks.keySet()) setState(pid, 1);
                    start(name, 0);
                }
            } else if (attr.equals("signal") && value.equals("1")) {
                if (!Files.exists(attribute)) throw Failure.failed("no such attribute " + attribute);
                if (signalFreesStuck) stuck.clear();
            } else {
                throw new IllegalStateException("unexpected write " + attribute + " " + value);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public long millis() {
        return now;
    }

    @Override
    public void sleep(long millis) {
        now += millis;
        try {
            tick();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start(String name, int target) throws IOException {
        this.patch = name;
        this.target = target;
        this.transitionStart = now;
        Files.writeString(sys.patch(name).resolve("transition"), "1\n");
        for (int pid : tasks.keySet()) if (patchState(pid) == -1) setState(pid, 1 - target);
    }

    private void tick() throws IOException {
        if (patch == null) return;
        if (now - transitionStart < switchAfterMs) return;
        boolean all = true;
        for (int pid : tasks.keySet()) {
            if (stuck.contains(pid) && (target == 1 || stuckBothWays)) {
                if (target == 0) setState(pid, 1);
                all = false;
                continue;
            }
            setState(pid, target);
        }
        if (!all) return;
        for (int pid : tasks.keySet()) setState(pid, -1);
        Path d = sys.patch(patch);
        Files.writeString(d.resolve("transition"), "0\n");
        if (target == 0) delete(d);   // a disabled patch is freed: its sysfs dir goes
        patch = null;
    }

    private void setState(int pid, int state) throws IOException {
        Files.writeString(root.resolve("proc/" + pid + "/task/" + pid + "/patch_state"), state + "\n");
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
