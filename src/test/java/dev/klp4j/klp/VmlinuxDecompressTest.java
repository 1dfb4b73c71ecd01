package dev.klp4j.klp;

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
 */
class VmlinuxDecompressTest {
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
            assertThat(VmlinuxKallsyms.decompress(img)).as(tool.get(0)).isEqualTo(elf);
        }
    }

    @Test
    void aMagicThatDoesNotUnpackIsPassedOver() throws Exception {
        byte[] elf = Files.readAllBytes(ELF);
        // A zstd magic in the setup code, before the real (LZ4) kernel.
        byte[] decoy = {0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 1, 2, 3, 4};
        Path img = image(setup(100), decoy, setup(100), compress(List.of("lz4", "-l", "-c", "-q"), elf), setup(64));
        assertThat(VmlinuxKallsyms.decompress(img)).isEqualTo(elf);
    }

    @Test
    void anImageWithNoKernelInsideSaysSo() throws Exception {
        Path img = image(setup(256));
        assertThatThrownBy(() -> VmlinuxKallsyms.decompress(img)).hasMessageContaining("no XZ-, zstd- or LZ4-compressed kernel inside")
                .hasMessageContaining("--symbols");
    }
}
