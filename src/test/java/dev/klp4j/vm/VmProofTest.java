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
}
