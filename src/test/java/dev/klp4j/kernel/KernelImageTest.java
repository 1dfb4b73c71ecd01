package dev.klp4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.base.Toolchain;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kernel inside a bzImage, whatever Debian compressed it with: XZ (Debian 12), zstd (Debian 13)
 * or LZ4 (Debian 12's cloud kernel, whose LZ4 data happens to hold a zstd magic). Images are made
 * here the way the kernel's build makes them: setup code, the compressed kernel, more bytes after it.
 * A guest boots the unpacked kernel through its PVH entry when it has one.
 */
class KernelImageTest {
    static final Path ELF = Path.of("../shared/kpatch-unit-objs/x86_64/new-function.ORIG.o");
    @TempDir Path tmp;

    byte[] compress(List<String> tool, byte[] data) throws Exception {
        Path in = Files.write(tmp.resolve("in"), data);
        List<String> cmd = new java.util.ArrayList<>(tool);
        cmd.add(in.toString());
        Path out = tmp.resolve("out");
        assertThat(Toolchain.HOST.runToFile(null, cmd, out)).isZero();
        return Files.readAllBytes(out);
    }

    Path image(byte[]... parts) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) b.write(p);
        return Files.write(tmp.resolve("vmlinuz"), b.toByteArray());
    }

    static byte[] setup(int n) {
        byte[] s = new byte[n];
        for (int i = 0; i < n; i++) s[i] = (byte) (i * 7);
        return s;
    }

    @Test
    void eachFormatDebianUsesUnpacksToTheKernel() throws Exception {
        byte[] elf = Files.readAllBytes(ELF);
        byte[] tail = "the rest of the bzImage".getBytes();
        for (List<String> tool : List.of(List.of("xz", "-c", "--check=crc32"), List.of("zstd", "-c", "-q"), List.of("lz4", "-l", "-c", "-q"))) {
            Path img = image(setup(512), compress(tool, elf), tail);
            assertThat(KernelImage.unpack(img)).as(tool.get(0)).isEqualTo(elf);
        }
    }

    @Test
    void aMagicThatDoesNotUnpackIsPassedOver() throws Exception {
        byte[] elf = Files.readAllBytes(ELF);
        // A zstd magic in the setup code, before the real (LZ4) kernel.
        byte[] decoy = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 1, 2, 3, 4};
        Path img = image(setup(100), decoy, setup(100), compress(List.of("lz4", "-l", "-c", "-q"), elf), setup(64));
        assertThat(KernelImage.unpack(img)).isEqualTo(elf);
    }

    @Test
    void anImageWithNoKernelInsideSaysSo() throws Exception {
        Path img = image(setup(256));
        assertThatThrownBy(() -> KernelImage.unpack(img)).hasMessageContaining("no XZ-, zstd- or LZ4-compressed kernel inside");
    }

    /** An ELF64 executable with one PT_NOTE segment holding {@code notes} (name, type). */
    static byte[] elfWithNotes(Object... notes) {
        java.nio.ByteBuffer n = java.nio.ByteBuffer.allocate(256).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < notes.length; i += 2) {
            byte[] name = (notes[i] + "\0").getBytes();
            n.putInt(name.length).putInt(4).putInt((Integer) notes[i + 1]);
            n.put(name);
            while (n.position() % 4 != 0) n.put((byte) 0);
            n.putInt(0x1000000); // the entry address
        }
        int notesSize = n.position();
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(64 + 56 + notesSize).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1});
        b.position(0x10).putShort((short) 2).putShort((short) 62);
        b.position(0x20).putLong(64);                                     // e_phoff
        b.position(0x36).putShort((short) 56).putShort((short) 1);       // e_phentsize, e_phnum
        b.position(64).putInt(4).putInt(4).putLong(120).putLong(0).putLong(0).putLong(notesSize).putLong(notesSize).putLong(4);
        b.position(120).put(n.array(), 0, notesSize);
        return b.array();
    }

    @Test
    void onlyTheXenPhys32EntryNoteMakesAKernelBootableThroughPvh() {
        assertThat(KernelImage.hasPvhEntry(elfWithNotes("GNU", 3, "Xen", 18))).isTrue();
        assertThat(KernelImage.hasPvhEntry(elfWithNotes("Xen", 17, "GNU", 18))).as("another Xen note, a PHYS32 type of another name").isFalse();
        assertThat(KernelImage.hasPvhEntry(setup(256))).as("not an ELF").isFalse();
    }

    @Test
    void aKernelWithoutPvhBootsAsItsBzImageAndOneWithItAsItsUnpackedElfKeptOnce() throws Exception {
        Path cache = tmp.resolve("boot");
        Path plain = image(setup(512), compress(List.of("xz", "-c", "--check=crc32"), Files.readAllBytes(ELF)));
        assertThat(KernelImage.bootable(plain, cache)).isEqualTo(plain);

        byte[] pvh = elfWithNotes("Xen", 18);
        Path img = Files.write(tmp.resolve("vmlinuz-pvh"), concat(setup(512), compress(List.of("zstd", "-c", "-q"), pvh)));
        Path boot = KernelImage.bootable(img, cache);
        assertThat(boot.getParent()).isEqualTo(cache);
        assertThat(Files.readAllBytes(boot)).isEqualTo(pvh);
        assertThat(KernelImage.bootable(img, cache)).as("the second guest finds it kept").isEqualTo(boot);
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
