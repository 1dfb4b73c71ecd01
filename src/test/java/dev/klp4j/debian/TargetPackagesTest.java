package dev.klp4j.debian;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.kernel.KernelTarget;

import dev.klp4j.base.Exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.kernel.KernelTree;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian 13's kernel on this Debian 12 host: fetched from trixie's archive into klp4j's cache
 * (the real archive: about 110 MB the first time, then cached), never installed.
 */
class TargetPackagesTest {
    /** Debian 13's kernel, as its archive names it today (never hard-coded: it moves). */
    static String trixieRelease(TargetPackages t) {
        List<String> deps = t.archive(DebianSuite.TRIXIE).depends("linux-image-amd64");
        String image = deps.stream().filter(d -> d.startsWith("linux-image-")).findFirst().orElseThrow();
        return image.substring("linux-image-".length());
    }

    @Test
    @Tag("kernel")
    void aDebian13KernelIsUnpackedAsIfInstalledAndCompiledInItsBuildRoot() {
        TargetPackages t = new TargetPackages(CacheRoot.path());
        String release = trixieRelease(t);
        assertThat(release).contains("+deb13-amd64");
        // A suite's name is its current kernel: the archive's today, the host's apt for the host's suite.
        assertThat(SuiteKernels.resolve("trixie", CacheRoot.path())).isEqualTo(release);
        assertThat(SuiteKernels.resolve("bookworm", CacheRoot.path())).isEqualTo(dev.klp4j.debian.KernelRelease.defaultRelease());
        assertThat(SuiteKernels.resolve("6.1.0-50-amd64", CacheRoot.path())).isEqualTo("6.1.0-50-amd64");
        List<String> progress = new ArrayList<>();
        Path root = t.rootFor(release, Path.of("/"), progress::add);
        assertThat(root).isNotEqualTo(Path.of("/"));
        KernelTree files = KernelTree.of(release, root).requireBootable();
        assertThat(files.modulesDir().resolve("modules.dep")).isNotEmptyFile();
        assertThat(files.requireBuildDir().resolve("Module.symvers")).isNotEmptyFile();
        assertThat(CompilerMatch.kernelCompiler(files.config())).contains("gcc-14");
        // A zstd image whose kallsyms tables are laid out as 6.2+ writes them.
        var symbols = dev.klp4j.klp.VmlinuxKallsyms.fromVmlinuz(files.vmlinuz()).entries();
        assertThat(symbols).hasSizeGreaterThan(100_000)
                .anyMatch(e -> e.name().equals("_text") && e.address() == 0xffffffff81000000L)
                .anyMatch(e -> e.name().equals("__pfx_cmdline_proc_show"));
        // The host's installed kernel is not fetched; one of its suite the archive does not have is named as such.
        assertThat(t.rootFor(KernelRelease.defaultRelease(), Path.of("/"), progress::add)).isEqualTo(Path.of("/"));
        assertThatThrownBy(() -> t.rootFor("6.1.0-99-amd64", Path.of("/"), progress::add))
                .hasMessageStartingWith("kernel 6.1.0-99-amd64: Debian 12 (bookworm)'s archive has no linux-image-6.1.0-99-amd64");

        // Compiled in a trixie build root, by the gcc that built the kernel.
        KernelTarget target = new TargetResolver().release(release).otherSuites(t).resolve();
        assertThat(target.toolchain().isHost()).isFalse();
        assertThat(Exec.run(target.toolchain(), null, java.util.List.of("gcc", "--version")).output())
                .startsWith("gcc (Debian " + CompilerMatch.release(CompilerMatch.kernelCompiler(files.config())).substring(0, 2));
        assertThat(Exec.run(target.toolchain(), target.kbuildDir(), java.util.List.of("sh", "-c", "pwd; ls scripts/basic/fixdep")).output())
                .as("the kbuild headers' absolute links resolve in the root").startsWith(target.kbuildDir() + "\n").contains("\nscripts/basic/fixdep");
    }

    @Test
    void withoutAPlaceToFetchItAnotherSuitesKernelIsRefusedNamingBoth(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "VERSION_CODENAME=bookworm\n");
        assertThatThrownBy(() -> new TargetResolver().root(root).release("6.12.117+deb13-amd64")
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-56-amd64", Map.of())).resolve())
                .hasMessage("kernel 6.12.117+deb13-amd64 is a Debian 13 (trixie) kernel and this host runs Debian 12 (bookworm):"
                        + " its packages cannot be installed here; build on Debian 13 (trixie)");
    }

    @Test
    void aReleaseTheHostHasNotInstalledIsFetchedFromItsOwnSuiteTheHostsIncluded(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "VERSION_CODENAME=bookworm\n");
        assertThat(TargetPackages.fetchedSuite("6.1.0-50-amd64", root)).isEqualTo(DebianSuite.BOOKWORM);
        assertThat(TargetPackages.fetchedSuite("6.1.0-57-cloud-amd64", root)).isEqualTo(DebianSuite.BOOKWORM);
        assertThat(TargetPackages.fetchedSuite("6.12.117+deb13-amd64", root)).isEqualTo(DebianSuite.TRIXIE);
        Files.createDirectories(root.resolve("boot"));
        Files.writeString(root.resolve("boot/config-6.1.0-50-amd64"), "CONFIG_LIVEPATCH=y\n");
        assertThat(TargetPackages.fetchedSuite("6.1.0-50-amd64", root)).as("installed").isNull();
        // Without a place to fetch it to, a release of the host's own suite is "not installed", with what to install.
        assertThatThrownBy(() -> new TargetResolver().root(root).release("6.1.0-49-amd64")
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-56-amd64", Map.of())).resolve())
                .hasMessageStartingWith("kernel 6.1.0-49-amd64 is not installed").hasMessageContaining("apt-get install linux-image-6.1.0-49-amd64");
    }
}
