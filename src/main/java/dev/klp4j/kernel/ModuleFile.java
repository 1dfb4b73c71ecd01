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

    /** {@code ko} itself when it exists, else its compressed twin unpacked into {@code into}. */
    public static Path uncompressed(Path ko, Path into) {
        if (Files.isRegularFile(ko)) return ko;
        for (var e : UNPACK.entrySet()) {
            Path packed = ko.resolveSibling(ko.getFileName() + e.getKey());
            if (!Files.isRegularFile(packed)) continue;
            Path out = into.resolve(ko.getFileName());
            Toolchain.Result r = Toolchain.HOST.run(null, List.of("sh", "-c", "exec " + e.getValue() + " -dc \"$1\" > \"$2\"", "sh",
                    packed.toString(), out.toString()), Map.of(), new byte[0]);
            if (!r.ok()) throw Failure.failed("cannot unpack " + packed + ": " + r.tail(1));
            return out;
        }
        throw new Failure(ko + ": no such module (nor .xz, .zst or .gz): is linux-image of this release complete?");
    }
}
