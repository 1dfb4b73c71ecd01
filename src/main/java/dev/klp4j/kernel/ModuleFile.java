package dev.klp4j.kernel;

import dev.klp4j.base.Failure;

import dev.klp4j.base.Toolchain;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A module of the target kernel as an ELF file klp4j can read. modules.order names
 * {@code kernel/fs/xfs/xfs.ko}, but Debian 13 ships {@code xfs.ko.xz} (Debian 12 uncompressed):
 * the compressed file is unpacked into a directory of the caller's.
 */
public final class ModuleFile {
    /** Compressed forms kmod knows, with the tool that unpacks each to stdout. */
    private static final Map<String, String> UNPACK = Map.of(".xz", "xz", ".zst", "zstd", ".gz", "gzip");

    private ModuleFile() {}

    /**
     * {@code ko} itself when it exists, else its compressed twin unpacked into {@code into}. A
     * compressed file may be named itself ({@code snd.ko.xz}, as the search for an exporting module
     * finds it): it stands for its {@code .ko} (the update's one module of 6.12.118 read snd.ko.xz as ELF).
     */
    public static Path uncompressed(Path ko, Path into) {
        String name = ko.getFileName().toString();
        for (String ext : UNPACK.keySet()) {
            if (name.endsWith(".ko" + ext)) name = name.substring(0, name.length() - ext.length());
        }
        ko = ko.resolveSibling(name);
        if (Files.isRegularFile(ko)) return ko;
        for (var e : UNPACK.entrySet()) {
            Path packed = ko.resolveSibling(name + e.getKey());
            if (Files.isRegularFile(packed)) return unpack(packed, e.getValue(), into.resolve(name));
        }
        throw new Failure(ko + ": no such module (nor .xz, .zst or .gz): is linux-image of this release complete?");
    }

    private static Path unpack(Path packed, String tool, Path out) {
        Toolchain.Result r = Toolchain.HOST.run(null, List.of("sh", "-c", "exec " + tool + " -dc \"$1\" > \"$2\"", "sh",
                packed.toString(), out.toString()), Map.of(), new byte[0]);
        if (!r.ok()) throw Failure.failed("cannot unpack " + packed + ": " + r.tail(1));
        return out;
    }
}
