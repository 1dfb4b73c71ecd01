package dev.klp4j.vm;

import dev.klp4j.kernel.ModuleInfo;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelConfig;
import dev.klp4j.kernel.KernelTree;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Builds the guest's initramfs (newc cpio, written in Java): static busybox, {@code /init},
 * klp4j's guest runtime ({@code /klp4j/klp4j-guest.sh}: the harness sequence, which runs klp4j's
 * Java runtime chrooted into the host's root shared over 9p, with a shell twin of
 * {@code dev.klp4j.runtime} as the fallback), the patch modules in the given order, the check
 * script, the config naming the host's JRE and klp4j's class path, and only the modules needed
 * to mount the 9p shares (their {@code modules.dep} closure); every other module is reached
 * through the share of the host's {@code /lib/modules/RELEASE}.
 */
public final class GuestImage {
    /** Modules /init loads before mounting the 9p share of /lib/modules. */
    static final List<String> SHARE_MODULES = List.of("virtio_pci", "9pnet_virtio", "9p");
    static final String SHARE_TAG = "klp4jmods";
    /** The 9p tag of the host's root filesystem (read-only), which /init mounts at /host. */
    static final String HOSTROOT_TAG = "hostroot";
    private static final List<Path> BUSYBOX = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

    public enum Mode { TEST, BENCH, SHELL }

    private final KernelTree kernel;
    private final Mode mode;
    private final List<Path> patches;
    private final Path check;
    private final int timeoutSeconds;
    private final int runs;
    private final GuestRuntime runtime;
    private final List<String> guestModules;

    public GuestImage(KernelTree kernel, Mode mode, List<Path> patches, Path check, int timeoutSeconds) {
        this(kernel, mode, patches, check, timeoutSeconds, 1);
    }

    public GuestImage(KernelTree kernel, Mode mode, List<Path> patches, Path check, int timeoutSeconds, int runs) {
        this(kernel, mode, patches, check, timeoutSeconds, runs, GuestRuntime.JAVA);
    }

    public GuestImage(KernelTree kernel, Mode mode, List<Path> patches, Path check, int timeoutSeconds, int runs, GuestRuntime runtime) {
        this(kernel, mode, patches, check, timeoutSeconds, runs, runtime, List.of());
    }

    public GuestImage(KernelTree kernel, Mode mode, List<Path> patches, Path check, int timeoutSeconds, int runs, GuestRuntime runtime,
                      List<String> guestModules) {
        this.guestModules = List.copyOf(guestModules);
        this.runtime = runtime;
        this.runs = runs;
        this.kernel = kernel;
        this.mode = mode;
        this.patches = List.copyOf(patches);
        this.check = check;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** The static busybox to put in the image (the guest has no shared libraries). */
    public static Path busybox() {
        for (Path p : BUSYBOX) {
            if (!Files.isRegularFile(p)) continue;
            if (hasInterpreter(p)) {
                throw new Failure(p + " is dynamically linked and cannot run in the guest;"
                        + " install busybox-static (scripts/install-deps.sh vm)");
            }
            return p;
        }
        throw new Failure("no busybox found; install busybox-static (scripts/install-deps.sh vm)");
    }

    /** True if a 64-bit little-endian ELF executable has a PT_INTERP program header. */
    static boolean hasInterpreter(Path elf) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(elf)) {
            java.nio.ByteBuffer h = java.nio.ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            ch.read(h, 0);
            if (h.getInt(0) != 0x464c457f || h.get(4) != 2) return false;
            long phoff = h.getLong(0x20);
            int phentsize = Short.toUnsignedInt(h.getShort(0x36));
            int phnum = Short.toUnsignedInt(h.getShort(0x38));
            java.nio.ByteBuffer ph = java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < phnum; i++) {
                ph.clear();
                ch.read(ph, phoff + (long) i * phentsize);
                if (ph.getInt(0) == 3) return true;   // PT_INTERP
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Rejects check scripts the guest's busybox cannot run. */
    public static void requireBusyboxScript(Path check) {
        if (!Files.isRegularFile(check)) throw new Failure(check + ": no such check script");
        String first;
        try (InputStream in = Files.newInputStream(check)) {
            byte[] head = in.readNBytes(128);
            String s = new String(head, StandardCharsets.UTF_8);
            first = s.contains("\n") ? s.substring(0, s.indexOf('\n')) : s;
        } catch (IOException e) {
            throw new Failure(check + ": cannot read: " + e.getMessage());
        }
        if (first.startsWith("#!") && !first.matches("#!\\s*/bin/(sh|ash|busybox sh)\\s*")) {
            throw new Failure(check + ": starts with '" + first.trim() + "' but the guest has only busybox;"
                    + " make it a '#!/bin/sh' script");
        }
    }

    /** The module files (relative to the modules dir) /init loads, in load order. */
    public List<String> shareModules() {
        ModulesDep dep = ModulesDep.read(kernel.modulesDir());
        List<String> wanted = new ArrayList<>();
        for (String m : SHARE_MODULES) if (dep.contains(m)) wanted.add(m);
        return dep.closure(wanted);
    }

    /**
     * The module files (relative to the modules dir) the patches need: what they depend on (modinfo's
     * depends) and the modules they patch, with everything those need in turn. A kernel without 9p
     * (Debian's cloud kernels) cannot share the host's modules: these are in the image itself, under
     * /lib/modules/RELEASE with its modules.dep, where modprobe and insmod find them.
     */
    public List<String> patchModules() {
        // A guest that mounts the host's /lib/modules needs none of them in its image: an update's
        // module depends on a hundred modules (6.1.190's: 121, uncompressed on Debian 12), whose
        // copies overflowed the guest's RAM while the kernel unpacked the image ("Initramfs
        // unpacking failed: write error").
        return sharesModules() ? List.of() : neededModules();
    }

    /** The module files (relative to the modules dir) the guest loads for the patches, shared or carried. */
    List<String> neededModules() {
        ModulesDep dep = ModulesDep.read(kernel.modulesDir());
        java.util.Set<String> names = new java.util.LinkedHashSet<>(guestModules);
        for (Path p : patches) {
            for (String d : ModuleInfo.read(p).fields().getOrDefault("depends", List.of())) {
                for (String n : d.split(",")) if (!n.isBlank()) names.add(n.strip());
            }
        }
        List<String> known = names.stream().filter(n -> !n.equals("vmlinux") && dep.contains(n)).toList();
        return dep.closure(known);
    }

    /**
     * Bytes of the module files the guest loads: what they take of its RAM once loaded, about (an
     * update of 6.1.190 patches 304 modules, amdgpu, i915 and nouveau among them).
     */
    public long neededModuleBytes() {
        long sum = 0;
        for (String m : neededModules()) {
            try {
                sum += Files.size(kernel.modulesDir().resolve(m));
            } catch (IOException e) {
                throw new Failure(kernel.modulesDir().resolve(m) + ": cannot read: " + e.getMessage());
            }
        }
        return sum;
    }

    /**
     * Whether the guest can mount the host's /lib/modules over virtio-9p: its kernel has both 9p
     * modules, or builds them in (Debian's cloud kernels have neither).
     */
    boolean sharesModules() {
        ModulesDep dep = ModulesDep.read(kernel.modulesDir());
        Optional<KernelConfig> config = KernelConfig.read(kernel.config());
        return (dep.contains("9p") || config.map(c -> c.builtIn("CONFIG_9P_FS")).orElse(false))
                && (dep.contains("9pnet_virtio") || config.map(c -> c.builtIn("CONFIG_NET_9P_VIRTIO")).orElse(false));
    }

    /** Writes the initramfs to {@code out}; returns the guest paths of the patches, in order. */
    public List<String> write(Path out) throws IOException {
        List<String> bootModules = shareModules();
        List<String> guestPatches = new ArrayList<>();
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
             CpioWriter cpio = new CpioWriter(os)) {
            for (String d : List.of("bin", "sbin", "dev", "proc", "sys", "tmp", "root", "etc", "host", "klp4j/patches",
                    "lib/modules/" + kernel.release())) {
                cpio.directory(d);
            }
            cpio.charDevice("dev/console", 5, 1, 0600);
            cpio.charDevice("dev/null", 1, 3, 0666);
            cpio.file("bin/busybox", Files.readAllBytes(busybox()), 0755);
            cpio.symlink("bin/sh", "busybox");
            cpio.file("init", resource("init.sh"), 0755);
            cpio.file("klp4j/klp4j-guest.sh", resource("klp4j-guest.sh"), 0755);
            for (String m : bootModules) {
                cpio.file("klp4j/boot/" + m, Files.readAllBytes(kernel.modulesDir().resolve(m)), 0644);
            }
            List<String> packed = patchModules();
            if (!packed.isEmpty()) {
                String modules = "lib/modules/" + kernel.release() + "/";
                java.util.Set<String> dirs = new java.util.TreeSet<>();
                for (String m : packed) {
                    for (Path d = Path.of(m).getParent(); d != null; d = d.getParent()) dirs.add(d.toString());
                }
                for (String d : dirs) cpio.directory(modules + d); // parents sort before their children
                cpio.file(modules + "modules.dep", Files.readAllBytes(kernel.modulesDir().resolve("modules.dep")), 0644);
                for (String m : packed) cpio.file(modules + m, Files.readAllBytes(kernel.modulesDir().resolve(m)), 0644);
            }
            int i = 1;
            for (Path p : patches) {
                // NN-NAME.ko with the name the kernel will register, which the busybox twin falls back on.
                String name = String.format("%02d-%s.ko", i++, moduleName(p).replaceAll("[^A-Za-z0-9_-]", "_"));
                String guest = "/klp4j/patches/" + name;
                cpio.file(guest, Files.readAllBytes(p), 0644);
                guestPatches.add(guest);
            }
            if (check != null) cpio.file("klp4j/check", Files.readAllBytes(check), 0755);
            String config = "# written by klp4j: read by /init and klp4j-guest.sh\n"
                    + "MODE=" + mode.name().toLowerCase() + "\n"
                    + "TIMEOUT=" + timeoutSeconds + "\n"
                    + "RUNS=" + runs + "\n"
                    + "CHECK=" + (check != null ? "/klp4j/check" : "") + "\n"
                    + "PATCHES=\"" + String.join(" ", guestPatches) + "\"\n"
                    + "BOOT_MODULES=\"" + String.join(" ", bootModules) + "\"\n"
                    + "SHARE_TAG=" + SHARE_TAG + "\n"
                    + "HOSTROOT_TAG=" + HOSTROOT_TAG + "\n"
                    // An empty JAVA makes the guest use the shell twin (asked for, or no JRE).
                    + "JAVA=" + (runtime == GuestRuntime.JAVA ? shellQuote(javaBinary()) : "") + "\n"
                    + "JAVA_CP=" + (runtime == GuestRuntime.JAVA ? shellQuote(javaClassPath()) : "") + "\n";
            cpio.file("klp4j/config", config.getBytes(StandardCharsets.UTF_8), 0644);
            cpio.finish();
        }
        return guestPatches;
    }

    /** The JVM running klp4j (a host path; the guest runs it chrooted into the host's root). */
    static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * The class path of klp4j's Java runtime on the host: where klp4j's classes come from (the
     * shaded jar, or target/classes when run from a build) plus its libraries' jars (the same jar
     * when shaded). Host paths: the guest sees them through the shared root.
     */
    static String javaClassPath() {
        java.util.LinkedHashSet<String> cp = new java.util.LinkedHashSet<>();
        for (Class<?> c : List.of(GuestImage.class, picocli.CommandLine.class,
                com.fasterxml.jackson.databind.ObjectMapper.class, com.fasterxml.jackson.core.JsonFactory.class,
                com.fasterxml.jackson.annotation.JsonProperty.class)) {
            java.security.CodeSource src = c.getProtectionDomain().getCodeSource();
            if (src == null || src.getLocation() == null) continue;
            try {
                cp.add(Path.of(src.getLocation().toURI()).toAbsolutePath().toString());
            } catch (java.net.URISyntaxException | IllegalArgumentException e) {
                // not a file: the guest cannot reach it
            }
        }
        return String.join(":", cp);
    }

    /** Single-quotes a value for the guest's sh. */
    static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    static byte[] resource(String name) throws IOException {
        try (InputStream in = GuestImage.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("klp4j jar lacks resource dev/klp4j/vm/" + name);
            return in.readAllBytes();
        }
    }

    /** The name in the module's .modinfo, else its file name without .ko. */
    static String moduleName(Path ko) {
        try {
            String n = ModuleInfo.read(ko).name();
            if (n != null && !n.isEmpty()) return n;
        } catch (RuntimeException e) {
            // not a module klp4j can read: the kernel will say so when it is loaded
        }
        return ko.getFileName().toString().replaceFirst("\\.ko$", "");
    }
}
