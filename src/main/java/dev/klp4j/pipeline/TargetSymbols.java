package dev.klp4j.pipeline;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.kernel.ModuleFile;
import dev.klp4j.klp.KernelSymbols;
import dev.klp4j.klp.VmlinuxKallsyms;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Where the target's symbols (in kallsyms order) come from: vmlinux's and a patched module's. */
final class TargetSymbols {
    private TargetSymbols() {}

    /**
     * vmlinux's symbols, from the first of: --symbols; a real /boot/System.map; /proc/kallsyms when
     * the target is the running kernel; the kallsyms tables inside vmlinuz (read once and kept in
     * the cache directory as kallsyms.map).
     */
    static KernelSymbols vmlinux(KernelTarget target, Path cacheDir) {
        Path map = target.systemMap();
        if (target.symbolsGiven()) return KernelSymbols.readMap("vmlinux", map, null);
        try {
            if (Files.isRegularFile(map) && Files.size(map) > 4096) return KernelSymbols.readMap("vmlinux", map, null);
        } catch (IOException ignored) { /* fall through */ }
        String running = Exec.run(null, List.of("uname", "-r")).output().strip();
        if (running.equals(target.release()) && Files.isReadable(Path.of("/proc/kallsyms"))) {
            return KernelSymbols.readMap("vmlinux", Path.of("/proc/kallsyms"), null);
        }
        if (!Files.isRegularFile(target.vmlinuz())) return KernelSymbols.readMap("vmlinux", map, null); // explains what is missing
        Path cached = cacheDir.resolve("kallsyms.map");
        Path stamp = cacheDir.resolve("kallsyms.stamp");
        try {
            String key = target.vmlinuz() + " " + Files.size(target.vmlinuz()) + " " + Files.getLastModifiedTime(target.vmlinuz()).toMillis();
            if (Files.isRegularFile(cached) && Files.isRegularFile(stamp) && Files.readString(stamp).equals(key)) {
                return KernelSymbols.readMap("vmlinux", cached, null);
            }
            KernelSymbols s = VmlinuxKallsyms.fromVmlinuz(target.vmlinuz());
            Files.createDirectories(cacheDir);
            VmlinuxKallsyms.writeMap(s, cached);
            Files.writeString(stamp, key);
            return s;
        } catch (IOException e) {
            // The cache is a shortcut, not an input: a full disk is a tool failure, not the user's patch.
            throw new Failure(Failure.Kind.TOOL, "cannot cache vmlinux's symbols in " + cacheDir + ": " + e.getMessage());
        }
    }

    /** A patched module's symbols, from its .ko (unpacked into {@code work} when the kernel ships it compressed, as Debian 13 does). */
    static KernelSymbols module(String name, Path ko, Path work) {
        Path file = ModuleFile.uncompressed(ko, work);
        try {
            return KernelSymbols.fromModule(name, ElfReader.read(file));
        } catch (IOException | ElfFormatException e) {
            throw new Failure(file + ": " + e.getMessage());
        }
    }
}
