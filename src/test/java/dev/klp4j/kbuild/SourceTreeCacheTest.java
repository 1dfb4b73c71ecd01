package dev.klp4j.kbuild;

import dev.klp4j.base.CacheLock;

import dev.klp4j.debian.TargetResolver;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.debian.SourcePackages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cache logic on a tiny source "tarball" whose Makefile records the targets it was asked for. */
class SourceTreeCacheTest {

    static KernelTarget fakeTarget(Path root, String makefile) throws Exception {
        Path src = root.resolve("build/linux-source-6.1");
        Files.createDirectories(src.resolve("kernel"));
        Files.writeString(src.resolve("Makefile"), makefile);
        Files.createDirectories(root.resolve("usr/src"));
        Exec.check(root.resolve("build"), List.of("tar", "-cJf", root.resolve("usr/src/linux-source-6.1.tar.xz").toString(), "linux-source-6.1"), "tar");
        Files.createDirectories(root.resolve("boot"));
        Files.writeString(root.resolve("boot/config-6.1.0-99-amd64"), "CONFIG_LIVEPATCH=y\n");
        Path build = root.resolve("lib/modules/6.1.0-99-amd64/build");
        Files.createDirectories(build);
        Files.writeString(build.resolve("Makefile"), "");
        Files.writeString(build.resolve("Module.symvers"), "");
        return new TargetResolver().root(root)
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-99-amd64", Map.of("linux-image-6.1.0-99-amd64", "6.1.1-1", "linux-source-6.1", "6.1.1-1")))
                .resolve();
    }

    static final String RECORDING = "olddefconfig:\n\techo olddefconfig >> log\nprepare:\n\techo prepare >> log\n";

    @Test
    void makesOnceThenReuses(@TempDir Path root) throws Exception {
        KernelTarget t = fakeTarget(root, RECORDING);
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        assertThat(c.isReady()).isFalse();
        assertThat(c.ensure(m -> { })).isTrue();
        assertThat(Files.readAllLines(c.tree().resolve("log"))).containsExactly("olddefconfig", "prepare");
        assertThat(Files.readString(c.tree().resolve(".config"))).contains("CONFIG_LIVEPATCH=y");
        assertThat(c.ensure(m -> { })).isFalse();
        assertThat(Files.readAllLines(c.tree().resolve("log"))).hasSize(2);
    }

    @Test
    void onlyTheTopLevelArchAndDocumentationAreLeftOut(@TempDir Path root) throws Exception {
        Path src = root.resolve("build/linux-source-6.1");
        List<String> kept = List.of("arch/x86/kernel/a.c", "arch/arm/Kconfig", "Documentation/Kconfig",
                "drivers/gpu/drm/nouveau/include/nvrm/nvidia/arch/nvalloc/meta.h", "drivers/foo/Documentation/x.c");
        List<String> left = List.of("arch/arm/kernel/b.c", "arch/arm/boot/dts/c.dts", "Documentation/admin/x.rst", "tools/perf/perf.c");
        for (String f : concat(kept, left)) {
            Files.createDirectories(src.resolve(f).getParent());
            Files.writeString(src.resolve(f), f);
        }
        KernelTarget t = fakeTarget(root, RECORDING);
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        c.ensure(m -> { });
        for (String f : kept) assertThat(c.tree().resolve(f)).as(f).isRegularFile();
        for (String f : left) assertThat(c.tree().resolve(f)).as(f).doesNotExist();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    @Test
    void halfMadeCacheIsDetectedAndRebuilt(@TempDir Path root) throws Exception {
        KernelTarget t = fakeTarget(root, RECORDING);
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        c.ensure(m -> { });
        // An interrupted run: the tree is there, the stamp (written last) is not.
        Files.delete(c.stampFile());
        Files.writeString(c.tree().resolve("junk-from-interrupted-run"), "x");
        assertThat(c.isReady()).isFalse();
        assertThat(c.ensure(m -> { })).isTrue();
        assertThat(c.tree().resolve("junk-from-interrupted-run")).doesNotExist();
        assertThat(c.isReady()).isTrue();
    }

    @Test
    void staleStampForAnotherConfigRebuilds(@TempDir Path root) throws Exception {
        KernelTarget t = fakeTarget(root, RECORDING);
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        c.ensure(m -> { });
        Files.writeString(t.config(), "CONFIG_LIVEPATCH=y\nCONFIG_OTHER=y\n");
        assertThat(c.isReady()).isFalse();
        assertThat(c.ensure(m -> { })).isTrue();
    }

    @Test
    void failedPrepareLeavesNoStamp(@TempDir Path root) throws Exception {
        KernelTarget t = fakeTarget(root, "olddefconfig:\n\ttrue\nprepare:\n\t@echo broken toolchain; false\n");
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        assertThatThrownBy(() -> c.ensure(m -> { })).isInstanceOf(Failure.class).hasMessageContaining("make prepare")
                .hasMessageContaining("broken toolchain");
        assertThat(c.stampFile()).doesNotExist();
        assertThat(c.isReady()).isFalse();
    }

    @Test
    void givenSourceDirIsPreparedInPlaceWithTheStampInTheCache(@TempDir Path root) throws Exception {
        KernelTarget packaged = fakeTarget(root, RECORDING);
        Path src = root.resolve("my-linux");
        Files.createDirectories(src.resolve("kernel"));
        Files.writeString(src.resolve("Makefile"), RECORDING);
        KernelTarget t = new TargetResolver().root(root).sourceDir(src)
                .packages(TargetResolver.PackageQuery.fixed(packaged.release(), Map.of())).resolve();
        assertThat(t.sourceTarball()).isNull();
        Path dir = SourceTreeCache.dirFor(root.resolve("cache"), t);
        assertThat(dir.getFileName().toString()).startsWith(t.release() + "-src-");
        SourceTreeCache c = new SourceTreeCache(dir, t, 2);
        assertThat(c.tree()).isEqualTo(src.toAbsolutePath());
        assertThat(c.ensure(m -> { })).isTrue();
        assertThat(Files.readAllLines(src.resolve("log"))).containsExactly("olddefconfig", "prepare");
        assertThat(c.stampFile()).exists().startsWith(dir);
        assertThat(c.ensure(m -> { })).isFalse();
    }

    @Test
    void sourceVersionMismatchIsReported(@TempDir Path root) throws Exception {
        fakeTarget(root, RECORDING);
        assertThatThrownBy(() -> new TargetResolver().root(root)
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-99-amd64", Map.of("linux-image-6.1.0-99-amd64", "6.1.2-1", "linux-source-6.1", "6.1.1-1")))
                .resolve()).hasMessageContaining("linux-source-6.1 is version 6.1.1-1 but linux-image-6.1.0-99-amd64 is 6.1.2-1");
    }

    /** A downloader that builds the .deb apt would fetch (with dpkg-deb) from a tarball whose Makefile says its version. */
    static SourcePackages.Downloader fakeArchive(Path root, List<String> calls) {
        return (pkg, version, dir) -> {
            calls.add(pkg + "=" + version);
            try {
                Path staging = root.resolve("archive/" + version);
                Files.createDirectories(staging.resolve("DEBIAN"));
                Files.writeString(staging.resolve("DEBIAN/control"), "Package: " + pkg + "\nVersion: " + version
                        + "\nArchitecture: all\nMaintainer: test <t@t>\nDescription: test\n");
                Path src = root.resolve("archive/src-" + version + "/linux-source-6.1");
                Files.createDirectories(src.resolve("kernel"));
                Files.writeString(src.resolve("Makefile"), "# version " + version + "\n" + RECORDING);
                Files.createDirectories(staging.resolve("usr/src"));
                Exec.check(src.getParent(), List.of("tar", "-cJf", staging.resolve("usr/src/" + pkg + ".tar.xz").toString(), "linux-source-6.1"), "tar");
                Exec.check(root, List.of("dpkg-deb", "-b", staging.toString(), dir.resolve(pkg + "_" + version + "_all.deb").toString()), "dpkg-deb");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    @Test
    void anotherReleasesSourceIsFetchedIntoTheCacheOnce(@TempDir Path root) throws Exception {
        fakeTarget(root, RECORDING);
        List<String> calls = new java.util.ArrayList<>();
        SourcePackages sources = new SourcePackages(root.resolve("cache"), fakeArchive(root, calls));
        // The installed linux-source-6.1 is 6.1.1-1; the kernel targeted was built from 6.1.2-1.
        TargetResolver.PackageQuery packages = TargetResolver.PackageQuery.fixed("6.1.0-99-amd64",
                Map.of("linux-image-6.1.0-99-amd64", "6.1.2-1", "linux-source-6.1", "6.1.1-1"));
        KernelTarget t = new TargetResolver().root(root).packages(packages).sources(sources).resolve();
        assertThat(t.sourceVersion()).isEqualTo("6.1.2-1");
        assertThat(t.sourceTarball()).isEqualTo(root.resolve("cache/sources/linux-source-6.1_6.1.2-1/linux-source-6.1.tar.xz")).isRegularFile();
        assertThat(root.resolve("cache/sources/linux-source-6.1_6.1.2-1.partial")).doesNotExist();
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        c.ensure(m -> { });
        assertThat(Files.readString(c.tree().resolve("Makefile"))).startsWith("# version 6.1.2-1");
        // A second build of that release downloads nothing.
        new TargetResolver().root(root).packages(packages).sources(sources).resolve();
        assertThat(calls).containsExactly("linux-source-6.1=6.1.2-1");
    }

    @Test
    void aReleaseNotInstalledNamesBothPackages(@TempDir Path root) {
        assertThatThrownBy(() -> new TargetResolver().root(root).release("6.1.0-50-amd64")
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-56-amd64", Map.of())).resolve())
                .hasMessageContaining("kernel 6.1.0-50-amd64 is not installed")
                .hasMessageEndingWith("apt-get install linux-image-6.1.0-50-amd64 linux-headers-6.1.0-50-amd64");
    }

    @Test
    void theKbuildTreeIsFoundUnderUsrSrcWhenTheBuildLinkIsMissing(@TempDir Path root) throws Exception {
        fakeTarget(root, RECORDING);
        Path headers = root.resolve("usr/src/linux-headers-6.1.0-99-amd64");
        Files.move(root.resolve("lib/modules/6.1.0-99-amd64/build"), headers);
        KernelTarget t = new TargetResolver().root(root)
                .packages(TargetResolver.PackageQuery.fixed("6.1.0-99-amd64", Map.of("linux-image-6.1.0-99-amd64", "6.1.1-1", "linux-source-6.1", "6.1.1-1")))
                .resolve();
        assertThat(t.kbuildDir()).isEqualTo(headers);
        assertThat(t.symvers()).isEqualTo(headers.resolve("Module.symvers"));
    }

    @Test
    void theLockIsExclusiveAcrossThreadsAndReentrantWithinOne(@TempDir Path root) throws Exception {
        KernelTarget t = fakeTarget(root, RECORDING);
        SourceTreeCache c = new SourceTreeCache(root.resolve("cache/" + t.release()), t, 2);
        java.util.concurrent.atomic.AtomicBoolean otherGotIt = new java.util.concurrent.atomic.AtomicBoolean();
        Thread other;
        try (CacheLock held = c.lock()) {
            assertThat(c.ensure(m -> { })).as("ensure() takes the lock again in the same thread").isTrue();
            other = new Thread(() -> {
                try (CacheLock h = c.lock()) {
                    otherGotIt.set(true);
                }
            });
            other.start();
            other.join(500);
            assertThat(otherGotIt).as("another thread waits while this one holds it").isFalse();
        }
        other.join(5000);
        assertThat(otherGotIt).as("and gets it once released").isTrue();
        // Another process is kept out by the file lock while a holder has it (a POSIX lock, as Java takes it).
        Path probe = Files.writeString(root.resolve("TryLock.java"), """
                public class TryLock {
                    public static void main(String[] a) throws Exception {
                        try (var ch = java.nio.channels.FileChannel.open(java.nio.file.Path.of(a[0]), java.nio.file.StandardOpenOption.WRITE)) {
                            System.exit(ch.tryLock() == null ? 1 : 0);
                        }
                    }
                }
                """);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> tryLock = List.of(java, probe.toString(), c.cacheDir().resolve("lock").toString());
        try (CacheLock held = c.lock()) {
            assertThat(Exec.run(root, tryLock).status()).isEqualTo(1);
        }
        assertThat(Exec.run(root, tryLock).status()).isZero();
    }
}
