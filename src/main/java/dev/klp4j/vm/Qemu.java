package dev.klp4j.vm;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelImage;
import dev.klp4j.kernel.KernelTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The QEMU command line for a guest: software emulation only ({@code -accel tcg}; KVM hangs on
 * our machines), the kernel's own image (entered through PVH when it can be), our initramfs, the host's /lib/modules/RELEASE
 * shared read-only over virtio-9p, and the host's root filesystem, read-only over a second 9p
 * export (tag {@value GuestImage#HOSTROOT_TAG}), so the guest can chroot into it and run klp4j's
 * Java runtime with the host's JRE.
 */
public final class Qemu {
    public static final String BINARY = "qemu-system-x86_64";
    /**
     * no_timer_check: under TCG on a busy host the IO-APIC timer check can miss its ticks, and the
     * guest panics at boot ("IO-APIC + timer doesn't work!", seen with an update's compiles beside
     * a test run); virtual machines' images pass it for the same reason.
     */
    private static final String APPEND = "console=ttyS0 panic=-1 quiet loglevel=3 no_timer_check";
    /** Guest RAM: klp4j's JVM (serial GC, interpreted, default heap) runs in it next to the initramfs. */
    static final int MEMORY_MB = 512;
    /**
     * Guest RAM for an image: {@link #MEMORY_MB} plus twice the image, which the kernel holds while
     * it unpacks it into the RAM-backed root (a kernel without 9p carries the patched modules
     * there: an update of a hundred modules is a large image).
     */
    static int memoryMb(Path initramfs) {
        try {
            return MEMORY_MB + (int) (2 * ((Files.size(initramfs) + (1 << 20) - 1) >> 20));
        } catch (java.io.IOException e) {
            throw new Failure("cannot read the guest image " + initramfs + ": " + e.getMessage());
        }
    }

    /** Tests turn the share of the host's root off, for this thread's guests, to prove the guest's shell fallback. */
    static final ThreadLocal<Boolean> SHARE_HOST_ROOT = ThreadLocal.withInitial(() -> true);

    private Qemu() {}

    public static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir.isEmpty() ? "." : dir, BINARY);
            if (Files.isExecutable(p)) return p;
        }
        throw new Failure(BINARY + " not found; install qemu-system-x86 (scripts/install-deps.sh vm)");
    }

    /**
     * The uncompressed kernel when it has a PVH entry (kept in the cache's boot/), else the
     * vmlinuz: TCG spends most of a bzImage's boot unpacking it (a guest reaches init in ~2 s
     * instead of ~8 s).
     */
    static Path bootImage(KernelTree kernel) {
        return KernelImage.bootable(kernel.vmlinuz(), CacheRoot.path().resolve("boot"));
    }

    /** Common part; the caller adds the serial ports. */
    public static List<String> command(KernelTree kernel, Path initramfs, int memoryMb, int cpus) {
        List<String> c = new ArrayList<>(List.of(binary().toString(),
                "-accel", "tcg", "-cpu", "max", "-m", String.valueOf(memoryMb), "-smp", String.valueOf(cpus),
                "-nodefaults", "-display", "none", "-no-reboot",
                "-kernel", bootImage(kernel).toString(), "-initrd", initramfs.toString(),
                "-append", APPEND));
        if (Files.isDirectory(kernel.modulesDir())) {
            c.addAll(List.of("-virtfs", "local,path=" + kernel.modulesDir() + ",mount_tag=" + GuestImage.SHARE_TAG
                    + ",security_model=none,readonly=on"));
        }
        if (SHARE_HOST_ROOT.get()) {
            c.addAll(List.of("-virtfs", "local,path=/,mount_tag=" + GuestImage.HOSTROOT_TAG
                    + ",security_model=none,readonly=on,multidevs=remap"));
        }
        return c;
    }

    /** Batch run: console to {@code serialLog}, the guest runtime's protocol to {@code protoLog}. */
    public static List<String> batch(KernelTree kernel, Path initramfs, int memoryMb, int cpus, Path serialLog, Path protoLog) {
        List<String> c = command(kernel, initramfs, memoryMb, cpus);
        c.addAll(List.of("-monitor", "none", "-serial", "file:" + serialLog, "-serial", "file:" + protoLog));
        return c;
    }

    /** Interactive run: the console on stdio (Ctrl-A X quits QEMU). */
    public static List<String> interactive(KernelTree kernel, Path initramfs, int cpus) {
        List<String> c = command(kernel, initramfs, memoryMb(initramfs), cpus);
        c.addAll(List.of("-serial", "mon:stdio"));
        return c;
    }

}
