package dev.klp4j.examples;

import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Section;
import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reproducers of ../shared/repro: one-hunk changes of the kind real stable fixes make, each of
 * a class klp4j once got wrong. Each must build for the target kernel and be proven in the VM.
 */
@Order(Integer.MAX_VALUE) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("vm")
class SharedReprosTest {
    @TempDir Path out;

    static Path repro(String name) {
        Path p = Path.of("..", "shared", "repro", name).toAbsolutePath().normalize();
        assertThat(p).as("../shared/repro beside the repository").isRegularFile();
        return p;
    }

    private CliRun build(String patchFile, String name, String... more) {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("build", repro(patchFile).toString(), "-n", name,
                "-o", out.toString(), "-j", "2"));
        args.addAll(java.util.List.of(more));
        CliRun b = CliRun.of(args.toArray(String[]::new));
        assertThat(b.exit()).as(b.out() + b.err()).isZero();
        return b;
    }

    /** What klp4j build --prove printed: the module-specific check it made passed every phase. */
    private static void proven(CliRun b, String patch) {
        assertThat(b.out()).contains("proving").contains("check-before  pass").contains("check-loaded  pass")
                .contains("check-after   pass").contains("dmesg         pass").contains("prove: PASS, 6 phases held")
                .contains("load          pass  klp4j load (shell runtime): " + patch).contains("transition    " + patch + " patching: ");
    }

    private void prove(String name, Path check) {
        // The busybox twin loads the module: the Java runtime in the guest is VmHarnessTest's to prove, once.
        CliRun vm = CliRun.of("vm", "test", "--module", out.resolve(name + ".ko").toString(), "--check", check.toString(),
                "--guest-runtime", "shell");
        assertThat(vm.exit()).as(vm.out() + vm.err()).isZero();
        assertThat(vm.out()).contains("check-loaded  pass").contains("dmesg         pass").contains("vm test: PASS, 6 phases held");
    }

    private static boolean hasSection(ElfFile ko, String name) {
        return ko.sections().stream().map(Section::name).anyMatch(name::equals);
    }

    @Test
    void btrfsTracepointsInAPatchedModuleLoadWithoutCrashing() throws Exception {
        CliRun b = build("btrfs-commit.patch", "r_btrfs");
        assertThat(b.out()).contains("changed=[btrfs_commit_transaction]")
                .contains("tracepoint btrfs_transaction_commit is off in the patched code")
                .contains("static call __SCK__tp_func_btrfs_transaction_commit: the call site goes through the trampoline");
        ElfFile ko = ElfReader.read(out.resolve("r_btrfs.ko"));
        assertThat(hasSection(ko, ".klp.rela.btrfs..static_call_sites")).as("static call keys in btrfs, read at load").isFalse();
        assertThat(hasSection(ko, ".klp.rela.btrfs.__jump_table")).as("jump label keys in btrfs, read at load").isFalse();
        assertThat(hasSection(ko, ".klp.rela.btrfs..text.btrfs_commit_transaction")).isTrue();
        prove("r_btrfs", repro("btrfs-commit.check.sh"));
    }

    @Test
    void kvmMmuPartOfACompositeModuleInASubdirectory() throws Exception {
        CliRun b = build("kvm-mmu.patch", "r_kvm", "--prove", "--guest-runtime", "shell");
        assertThat(b.out()).contains("arch/x86/kvm/mmu/mmu.o->kvm").contains("changed=[kvm_mmu_free_roots]");
        proven(b, "r_kvm");
    }

    @Test
    void amdgpuEnteredByAMakefileTwoLevelsUp() throws Exception {
        CliRun b = build("amdgpu-cs.patch", "r_amdgpu", "--prove", "--guest-runtime", "shell");
        assertThat(b.out()).contains("drivers/gpu/drm/amd/amdgpu/amdgpu_cs.o->amdgpu");
        proven(b, "r_amdgpu");
    }

    @Test
    void dmaBufNewExportShiftsUniqueIdsButChangesNothingElse() throws Exception {
        CliRun b = build("dma-buf-export.patch", "r_dmabuf");
        assertThat(b.out()).contains("changed=[] new=[klp4j_repro_export]");
        ElfFile ko = ElfReader.read(out.resolve("r_dmabuf.ko"));
        assertThat(hasSection(ko, "__ksymtab_gpl")).as("the new function is exported").isTrue();
        assertThat(hasSection(ko, "__kcrctab_gpl")).as("with its modversions CRC, or the kernel refuses the module").isTrue();
        Path check = out.resolve("dmabuf.check.sh");
        Files.writeString(check, """
                #!/bin/sh
                [ "$(cat /sys/kernel/livepatch/r_dmabuf/enabled 2>/dev/null)" = 1 ] &&
                grep -q ' klp4j_repro_export[[:space:]]*\\[r_dmabuf\\]' /proc/kallsyms
                """);
        prove("r_dmabuf", check);
    }
}
