package dev.klp4j.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The check klp4j build --prove makes from what a patch targets (proven in the VM by SharedReprosTest). */
class VmProofTest {
    @Test
    void modulesAreLoadedOnceAndEveryObjectMustBePatched() {
        String s = VmProof.checkScript("r_kvm", List.of("vmlinux", "kvm", "kvm"));
        assertThat(s).startsWith("#!/bin/sh\n")
                .contains("for m in kvm; do modprobe \"$m\" || exit 2; done")
                .contains("[ \"$(cat /sys/kernel/livepatch/r_kvm/enabled 2>/dev/null)\" = 1 ] || exit 1")
                .contains("for o in vmlinux kvm; do")
                .contains("/sys/kernel/livepatch/r_kvm/$o/patched");
    }

    @Test
    void aVmlinuxPatchLoadsNoModule() {
        assertThat(VmProof.checkScript("p", List.of("vmlinux"))).doesNotContain("modprobe").contains("for o in vmlinux; do");
    }

    @Test
    void namesThatAreNotModuleNamesAreRefused() {
        assertThatThrownBy(() -> VmProof.checkScript("p", List.of("kvm; reboot"))).hasMessageContaining("cannot be checked");
    }

    @Test
    void aNewUpdateMustHaveReplacedTheEarlierOne() {
        String s = VmProof.checkScript("klp4j_update_6_1_192_3", List.of("vmlinux", "nfsd"), List.of("klp4j_update_6_1_192_2"), false);
        assertThat(s).endsWith("[ ! -d /sys/kernel/livepatch/klp4j_update_6_1_192_2 ] || exit 1\n");
        assertThatThrownBy(() -> VmProof.checkScript("p", List.of("vmlinux"), List.of("a b"), false)).hasMessageContaining("cannot be checked");
    }

    @Test
    void theModulesAPatchTargetsArePackedWithWhatTheyNeed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("modules.dep"), """
                kernel/fs/nfsd/nfsd.ko: kernel/net/sunrpc/auth_gss/auth_rpcgss.ko kernel/net/sunrpc/sunrpc.ko
                kernel/net/sunrpc/auth_gss/auth_rpcgss.ko: kernel/net/sunrpc/sunrpc.ko
                kernel/net/sunrpc/sunrpc.ko:
                kernel/fs/xfs/xfs.ko:
                """);
        var kernel = new dev.klp4j.kernel.KernelTree("6.1.0-55-cloud-amd64", dir.resolve("vmlinuz"), dir.resolve("System.map"),
                dir.resolve("config"), dir);
        GuestImage image = new GuestImage(kernel, GuestImage.Mode.TEST, List.of(), null, 30, 1, GuestRuntime.SHELL, List.of("nfsd", "vmlinux"));
        assertThat(image.patchModules()).containsExactly("kernel/net/sunrpc/sunrpc.ko", "kernel/net/sunrpc/auth_gss/auth_rpcgss.ko",
                "kernel/fs/nfsd/nfsd.ko");
    }

    @Test
    void aGuestThatSharesTheHostsModulesCarriesNoneOfThem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // 6.1.190's update depends on 121 modules: packed, they overflowed the guest's RAM at unpacking.
        java.nio.file.Files.writeString(dir.resolve("modules.dep"), """
                kernel/fs/nfsd/nfsd.ko: kernel/net/sunrpc/sunrpc.ko
                kernel/net/sunrpc/sunrpc.ko:
                kernel/net/9p/9pnet.ko:
                kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko
                """);
        java.nio.file.Files.writeString(dir.resolve("config"), "CONFIG_9P_FS=m\n");
        var kernel = new dev.klp4j.kernel.KernelTree("6.1.0-53-amd64", dir.resolve("vmlinuz"), dir.resolve("System.map"),
                dir.resolve("config"), dir);
        GuestImage image = new GuestImage(kernel, GuestImage.Mode.TEST, List.of(), null, 30, 1, GuestRuntime.JAVA, List.of("nfsd"));
        assertThat(image.patchModules()).as("9p is neither a module nor built in: carried").containsExactly(
                "kernel/net/sunrpc/sunrpc.ko", "kernel/fs/nfsd/nfsd.ko");
        java.nio.file.Files.writeString(dir.resolve("config"), "CONFIG_9P_FS=y\n");
        assertThat(image.patchModules()).as("9p built in, 9pnet_virtio a module: shared").isEmpty();

        // shared or carried, the modules take the guest's RAM once loaded
        java.nio.file.Files.createDirectories(dir.resolve("kernel/fs/nfsd"));
        java.nio.file.Files.createDirectories(dir.resolve("kernel/net/sunrpc"));
        java.nio.file.Files.write(dir.resolve("kernel/fs/nfsd/nfsd.ko"), new byte[3 << 20]);
        java.nio.file.Files.write(dir.resolve("kernel/net/sunrpc/sunrpc.ko"), new byte[1 << 20]);
        assertThat(image.neededModuleBytes()).isEqualTo(4L << 20);
        assertThat(VmProof.guestLimitSeconds(304)).as("6.1.190's update: 304 modules to modprobe and two transitions")
                .isGreaterThan(4 * 2 * 304);

        java.nio.file.Path big = dir.resolve("initramfs.cpio");
        try (var ch = java.nio.channels.FileChannel.open(big, java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(new byte[1]), 300L << 20); // a sparse 300 MiB and one byte
        }
        assertThat(Qemu.memoryMb(big)).isEqualTo(Qemu.MEMORY_MB + 2 * 301);
    }

    /** Runs a check script on the host against a fake sysfs and a modprobe that cannot load kvm_intel. */
    private static dev.klp4j.base.Toolchain.Result runCheck(java.nio.file.Path dir, String script) throws Exception {
        java.nio.file.Path bin = java.nio.file.Files.createDirectories(dir.resolve("bin"));
        java.nio.file.Files.writeString(bin.resolve("modprobe"), "#!/bin/sh\n[ \"$1\" != kvm_intel ]\n");
        bin.resolve("modprobe").toFile().setExecutable(true);
        java.nio.file.Path check = dir.resolve("check.sh");
        java.nio.file.Files.writeString(check, script.replace("/tmp/.klp4j", dir + "/tmp/.klp4j").replace("/sys/kernel/livepatch/", dir + "/lp/"));
        return dev.klp4j.base.Exec.run(dir, List.of("sh", check.toString()), java.util.Map.of("PATH", bin + ":/usr/bin:/bin"));
    }

    @Test
    void aModuleThisVmCannotLoadIsNamedAndLeftOutOnlyWhenAsked(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        for (String o : List.of("vmlinux", "kvm", "kvm_intel")) {
            java.nio.file.Files.createDirectories(dir.resolve("lp/u/" + o));
            java.nio.file.Files.writeString(dir.resolve("lp/u/" + o + "/patched"), o.equals("kvm_intel") ? "0\n" : "1\n");
        }
        java.nio.file.Files.writeString(dir.resolve("lp/u/enabled"), "1\n");
        java.nio.file.Files.createDirectories(dir.resolve("tmp"));
        var lenient = runCheck(dir, VmProof.checkScript("u", List.of("vmlinux", "kvm", "kvm_intel"), List.of(), true));
        assertThat(lenient.status()).as(lenient.output()).isZero();
        assertThat(lenient.output().strip()).isEqualTo("not loadable in this VM, so not checked: kvm_intel");

        java.nio.file.Files.delete(dir.resolve("tmp/.klp4j-modprobed"));
        var strict = runCheck(dir, VmProof.checkScript("u", List.of("vmlinux", "kvm", "kvm_intel"), List.of(), false));
        assertThat(strict.status()).as("klp4j build --prove: every object or nothing").isEqualTo(2);

        // an object that is loaded but not patched fails the lenient check too
        java.nio.file.Files.writeString(dir.resolve("lp/u/kvm/patched"), "0\n");
        assertThat(runCheck(dir, VmProof.checkScript("u", List.of("vmlinux", "kvm", "kvm_intel"), List.of(), true)).status()).isEqualTo(1);
    }

    @Test
    void theCheckLimitGrowsWithTheModulesTheFirstCheckLoads() {
        org.assertj.core.api.Assertions.assertThat(VmProof.checkLimitSeconds(0)).isEqualTo(30);
        org.assertj.core.api.Assertions.assertThat(VmProof.checkLimitSeconds(102)).isGreaterThan(200);
    }
}
