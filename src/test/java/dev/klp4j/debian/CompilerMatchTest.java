package dev.klp4j.debian;

import dev.klp4j.kernel.KernelTarget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The target kernel's compiler (its config) against the host's gcc. */
class CompilerMatchTest {
    static final String BOOKWORM = "gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0";
    static final String TRIXIE = "x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0";

    @Test
    void theCommandNameIsNotPartOfTheCompiler() {
        assertThat(CompilerMatch.of(BOOKWORM, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0").verdict()).isEqualTo(CompilerMatch.Verdict.SAME);
        assertThat(CompilerMatch.of(BOOKWORM, "gcc (Debian 12.2.0-14) 12.2.0").verdict()).isEqualTo(CompilerMatch.Verdict.SAME_RELEASE);
        assertThat(CompilerMatch.of(TRIXIE, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0").verdict()).isEqualTo(CompilerMatch.Verdict.OTHER);
        assertThat(CompilerMatch.of(BOOKWORM, null).verdict()).isEqualTo(CompilerMatch.Verdict.OTHER);
        assertThat(CompilerMatch.of(BOOKWORM, "Debian clang version 14.0.6 12.2.0").verdict()).isEqualTo(CompilerMatch.Verdict.OTHER);
        assertThat(CompilerMatch.of(null, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0").verdict()).isEqualTo(CompilerMatch.Verdict.UNKNOWN);
    }

    @Test
    void theHostsGccAnswersAndAMissingCompilerIsNull() {
        assertThat(TargetResolver.PackageQuery.DPKG.compilerVersion("gcc")).matches("gcc .*\\d+\\.\\d+\\.\\d+");
        assertThat(TargetResolver.PackageQuery.DPKG.compilerVersion("no-such-gcc-99")).isNull();
    }

    @Test
    void theConfigNamesTheKernelsCompiler(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("config");
        Files.writeString(config, "CONFIG_CC_VERSION_TEXT=\"" + TRIXIE + "\"\nCONFIG_CC_IS_GCC=y\n");
        assertThat(CompilerMatch.kernelCompiler(config)).isEqualTo(TRIXIE);
        Files.writeString(config, "CONFIG_LIVEPATCH=y\n");
        assertThat(CompilerMatch.kernelCompiler(config)).isNull();
    }

    static TargetResolver target(Path root, String ccText, String hostGcc) throws Exception {
        Files.createDirectories(root.resolve("boot"));
        Files.writeString(root.resolve("boot/config-6.1.0-99-amd64"), "CONFIG_CC_VERSION_TEXT=\"" + ccText + "\"\nCONFIG_LIVEPATCH=y\n");
        Path build = Files.createDirectories(root.resolve("lib/modules/6.1.0-99-amd64/build"));
        Files.writeString(build.resolve("Makefile"), "");
        Files.writeString(build.resolve("Module.symvers"), "");
        Path src = Files.createDirectories(root.resolve("src/kernel")).getParent();
        Files.writeString(src.resolve("Makefile"), "");
        return new TargetResolver().root(root).sourceDir(src)
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-99-amd64", Map.of(), hostGcc));
    }

    @Test
    void aKernelOfAnotherCompilerIsRefusedNamingBoth(@TempDir Path root) throws Exception {
        assertThatThrownBy(() -> target(root, TRIXIE, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0").resolve())
                .hasMessageContaining("was built by " + TRIXIE)
                .hasMessageContaining("this host's gcc is gcc (Debian 12.2.0-14+deb12u1) 12.2.0")
                .hasMessageEndingWith("build on a host with gcc 14.2.0 (the kernel's Debian release)");
    }

    @Test
    void anotherDebianRevisionOfTheSameReleaseIsAWarning(@TempDir Path root) throws Exception {
        KernelTarget t = target(root, BOOKWORM, "gcc (Debian 12.2.0-14) 12.2.0").resolve();
        assertThat(t.warnings()).anyMatch(w -> w.contains("same release, another Debian revision"));
        assertThat(target(root.resolve("b"), BOOKWORM, "gcc (Debian 12.2.0-14+deb12u1) 12.2.0").resolve().warnings()).isEmpty();
    }
}
