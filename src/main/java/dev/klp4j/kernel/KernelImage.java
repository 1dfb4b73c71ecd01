package dev.klp4j.kernel;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The uncompressed kernel (vmlinux, an ELF) inside a vmlinuz (bzImage): for reading its symbols,
 * and for booting a guest through the kernel's PVH entry, which skips the decompressor. Under TCG
 * the decompressor is most of a boot: Debian 12's XZ kernel takes ~6 s to unpack itself in the
 * guest and ~2 s to boot to init after that.
 */
public final class KernelImage {
    private static final byte[] XZ_MAGIC = {(byte) 0xfd, '7', 'z', 'X', 'Z', 0};
    private static final byte[] ZSTD_MAGIC = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd};
    /** The kernel's LZ4 is lz4's legacy frame format (lz4 -l). */
    private static final byte[] LZ4_LEGACY_MAGIC = {0x02, 0x21, 0x4c, 0x18};
    private static final int PT_NOTE = 4;
    /** XEN_ELFNOTE_PHYS32_ENTRY: the 32-bit entry a PVH loader (QEMU's -kernel with an ELF) jumps to. */
    private static final int XEN_ELFNOTE_PHYS32_ENTRY = 18;

    private KernelImage() {}

    /** A compressed kernel inside a bzImage: where its magic starts, and the tool that unpacks it to stdout. */
    private record Payload(int at, String format, List<String> unpack) {}

    /** The vmlinux inside {@code vmlinuz}. */
    public static byte[] unpack(Path vmlinuz) {
        try {
            byte[] img = Files.readAllBytes(vmlinuz);
            // Debian 12 compresses its kernels with XZ (its cloud kernel with LZ4), Debian 13 with
            // zstd. A magic can also occur by chance inside another format's stream (a zstd magic in
            // the cloud kernel's LZ4 data), so the candidates are tried from the first: the kernel is
            // the first that unpacks to an ELF. The stream is followed by the rest of the bzImage,
            // which the tools are told (or left) to ignore.
            List<Payload> candidates = new ArrayList<>();
            addCandidate(candidates, img, XZ_MAGIC, "XZ", List.of("xz", "-dc", "--single-stream"));
            addCandidate(candidates, img, ZSTD_MAGIC, "zstd", List.of("zstd", "-dc"));
            addCandidate(candidates, img, LZ4_LEGACY_MAGIC, "LZ4", List.of("lz4", "-dc"));
            candidates.sort(Comparator.comparingInt(Payload::at));
            if (candidates.isEmpty()) throw new Failure(vmlinuz + ": no XZ-, zstd- or LZ4-compressed kernel inside");
            for (Payload c : candidates) {
                byte[] out = unpack(img, c);
                if (isElf(out)) return out;
            }
            throw new Failure(vmlinuz + ": the " + candidates.get(0).format() + " stream does not unpack to an ELF kernel"
                    + " (is " + candidates.get(0).unpack().get(0) + " installed?)");
        } catch (IOException e) {
            throw new Failure(vmlinuz + ": cannot read: " + e.getMessage());
        }
    }

    /**
     * What QEMU's {@code -kernel} should boot: the uncompressed kernel, kept under {@code cacheDir}
     * once per image, when it has a PVH entry (Debian's x86 kernels do: CONFIG_PVH); else
     * {@code vmlinuz} itself. A guest so booted has no KASLR (the decompressor places the kernel);
     * everything after the entry is the same kernel code.
     */
    public static Path bootable(Path vmlinuz, Path cacheDir) {
        try {
            String key = vmlinuz.toAbsolutePath() + " " + Files.size(vmlinuz) + " " + Files.getLastModifiedTime(vmlinuz).toMillis();
            Path elf = cacheDir.resolve(vmlinuz.getFileName() + "-" + dev.klp4j.base.FileDigest.sha256(key).substring(0, 12) + ".elf");
            Path noPvh = cacheDir.resolve(elf.getFileName() + ".no-pvh");
            if (Files.isRegularFile(elf)) return elf;
            if (Files.exists(noPvh)) return vmlinuz;
            byte[] vmlinux;
            try {
                vmlinux = unpack(vmlinuz);
            } catch (Failure e) {
                return vmlinuz; // a format we cannot unpack still boots the slow way
            }
            Files.createDirectories(cacheDir);
            if (!hasPvhEntry(vmlinux)) {
                Files.writeString(noPvh, "no XEN_ELFNOTE_PHYS32_ENTRY: booted as a bzImage\n");
                return vmlinuz;
            }
            // Guests of several test classes may start at once: each writes its own and renames it into place.
            Path tmp = Files.createTempFile(cacheDir, ".vmlinux", ".tmp");
            Files.write(tmp, vmlinux);
            Files.move(tmp, elf, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return elf;
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot keep the uncompressed kernel of " + vmlinuz + " in " + cacheDir + ": " + e.getMessage());
        }
    }

    /** Whether an ELF64 little-endian kernel carries the Xen PVH entry note in a PT_NOTE segment. */
    static boolean hasPvhEntry(byte[] elf) {
        if (!isElf(elf) || elf.length < 64 || elf[4] != 2 || elf[5] != 1) return false;
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        long phoff = b.getLong(0x20);
        int phentsize = Short.toUnsignedInt(b.getShort(0x36)), phnum = Short.toUnsignedInt(b.getShort(0x38));
        for (int i = 0; i < phnum; i++) {
            long ph = phoff + (long) i * phentsize;
            if (ph + 56 > elf.length || b.getInt((int) ph) != PT_NOTE) continue;
            long off = b.getLong((int) ph + 0x08), size = b.getLong((int) ph + 0x20);
            if (off < 0 || off + size > elf.length) continue;
            for (long n = off; n + 12 <= off + size; ) {
                int namesz = b.getInt((int) n), descsz = b.getInt((int) n + 4), type = b.getInt((int) n + 8);
                if (namesz < 0 || descsz < 0) break;
                int name = (int) n + 12;
                if (namesz == 4 && name + 4 <= elf.length && elf[name] == 'X' && elf[name + 1] == 'e' && elf[name + 2] == 'n'
                        && elf[name + 3] == 0 && type == XEN_ELFNOTE_PHYS32_ENTRY) {
                    return true;
                }
                n = name + align4(namesz) + align4(descsz);
            }
        }
        return false;
    }

    private static long align4(int x) {
        return (x + 3L) & ~3L;
    }

    private static boolean isElf(byte[] b) {
        return b.length >= 4 && b[0] == 0x7f && b[1] == 'E' && b[2] == 'L' && b[3] == 'F';
    }

    private static void addCandidate(List<Payload> out, byte[] img, byte[] magic, String format, List<String> unpack) {
        int at = indexOf(img, magic, 0);
        if (at >= 0) out.add(new Payload(at, format, unpack));
    }

    /** Where {@code needle} first occurs in {@code hay} at or after {@code from}, or -1. */
    public static int indexOf(byte[] hay, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (hay[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static byte[] unpack(byte[] img, Payload c) throws IOException {
        Path tmp = Files.createTempFile("klp4j-vmlinuz", "." + c.format().toLowerCase(java.util.Locale.ROOT));
        Path unpacked = Files.createTempFile("klp4j-vmlinux", ".elf");
        try {
            Files.write(tmp, java.util.Arrays.copyOfRange(img, c.at(), img.length));
            List<String> cmd = new ArrayList<>(c.unpack());
            cmd.add(tmp.toString());
            // The tools complain about the rest of the image after writing the kernel: their status says nothing.
            Toolchain.HOST.runToFile(null, cmd, unpacked);
            return Files.readAllBytes(unpacked);
        } finally {
            Files.deleteIfExists(tmp);
            Files.deleteIfExists(unpacked);
        }
    }
}
