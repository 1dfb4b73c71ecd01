package dev.klp4j.debian;

import dev.klp4j.kernel.FakeModules;
import dev.klp4j.kernel.KernelTree;
import dev.klp4j.kernel.ModuleInfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelReleaseTest {
    @TempDir Path tmp;

    @Test
    void parsesAptCacheDepends() {
        String out = "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n";
        assertThat(KernelRelease.fromAptCacheOutput(out)).contains("6.1.0-56-amd64");
        assertThat(KernelRelease.fromAptCacheOutput("W: Unable to locate package linux-image-amd64")).isEmpty();
        assertThat(KernelRelease.fromAptCacheOutput(null)).isEmpty();
    }

    @Test
    void parsesTheInstalledMetaPackage() {
        String installed = "install ok installed\tlinux-image-6.1.0-56-amd64 (= 6.1.192-2)";
        assertThat(KernelRelease.fromDpkgOutput(installed)).contains("6.1.0-56-amd64");
        assertThat(KernelRelease.fromDpkgOutput("deinstall ok config-files\tlinux-image-6.1.0-9-amd64")).isEmpty();
        assertThat(KernelRelease.fromDpkgOutput(null)).isEmpty();
    }

    @Test
    void newestInBootComparesNumerically() throws IOException {
        for (String r : new String[] {"6.1.0-9-amd64", "6.1.0-56-amd64", "6.1.0-10-amd64"}) {
            Files.writeString(tmp.resolve("vmlinuz-" + r), "");
        }
        Files.writeString(tmp.resolve("config-6.1.0-99-amd64"), "");
        assertThat(KernelRelease.newestInBoot(tmp)).contains("6.1.0-56-amd64");
        assertThat(KernelRelease.newestInBoot(tmp.resolve("missing"))).isEmpty();
    }

    @Test
    void anExplicitReleaseIsValidated() {
        assertThat(KernelRelease.resolve("6.1.0-56-amd64")).isEqualTo("6.1.0-56-amd64");
        assertThatThrownBy(() -> KernelRelease.resolve("../../etc")).hasMessageContaining("is not a kernel release");
    }

    @Test
    void theDefaultReleaseIsOneThatIsInstalledHere() {
        String r = KernelRelease.defaultRelease();
        assertThat(r).matches("[0-9].*");
        assertThat(Path.of("/boot/vmlinuz-" + r)).exists();
    }

    @Test
    void kernelTreeNamesWhatIsMissing() {
        KernelTree t = KernelTree.of("9.9.9-1-amd64", tmp);
        assertThatThrownBy(t::requireBootable).hasMessageContaining("vmlinuz-9.9.9-1-amd64: no such file")
                .hasMessageContaining("install linux-image-9.9.9-1-amd64");
    }

    @Test
    void modinfoIsParsed() throws IOException {
        Path ko = FakeModules.livepatch(tmp, "my_patch", "6.1.0-56-amd64");
        ModuleInfo m = ModuleInfo.read(ko);
        assertThat(m.name()).isEqualTo("my_patch");
        assertThat(m.vermagicRelease()).isEqualTo("6.1.0-56-amd64");
        assertThat(m.isLivepatch()).isTrue();
        assertThatThrownBy(() -> m.requireRelease("6.1.0-57-amd64")).hasMessageContaining("vermagic mismatch");
        Path text = Files.writeString(tmp.resolve("x.ko"), "not elf");
        assertThatThrownBy(() -> ModuleInfo.read(text)).hasMessageContaining("not a kernel module");
    }
}
