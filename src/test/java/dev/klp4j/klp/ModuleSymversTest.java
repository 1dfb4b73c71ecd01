package dev.klp4j.klp;

import dev.klp4j.testing.TestKernel;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModuleSymversTest {

    @Test
    void parsesCrcObjectTypeAndNamespace() {
        ModuleSymvers s = ModuleSymvers.parse(List.of(
                "0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t",
                "0x039823de\tinit_uts_ns\tvmlinux\tEXPORT_SYMBOL_GPL\t",
                "0x12345678\tusb_stor_probe1\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\tUSB_STORAGE"));
        assertThat(s.size()).isEqualTo(3);
        assertThat(s.export("phys_base").orElseThrow().crc()).isEqualTo(0x4c9d28b0L);
        assertThat(s.export("phys_base").orElseThrow().gplOnly()).isFalse();
        assertThat(s.export("init_uts_ns").orElseThrow().gplOnly()).isTrue();
        ModuleSymvers.Export u = s.export("usb_stor_probe1").orElseThrow();
        assertThat(u.namespace()).isEqualTo("USB_STORAGE");
        assertThat(u.ownerName()).isEqualTo("usb_storage");
        assertThat(s.export("nope")).isEmpty();
    }

    @Test
    void badLinesAreNamed() {
        assertThatThrownBy(() -> ModuleSymvers.parse(List.of("0x1\ta\tvmlinux\tEXPORT_SYMBOL", "zz\tb\tvmlinux\tEXPORT_SYMBOL")))
                .hasMessageContaining("line 2");
        assertThatThrownBy(() -> ModuleSymvers.parse(List.of("0x1 only"))).hasMessageContaining("line 1");
    }

    @Test
    void readsTheInstalledKernelsSymvers() throws Exception {
        Path p = TestKernel.target().symvers();
        long lines = Files.lines(p).filter(l -> !l.isBlank()).count();
        ModuleSymvers s = ModuleSymvers.read(p);
        assertThat(s.size()).isGreaterThan(1000).isLessThanOrEqualTo((int) lines);
        // The livepatch API a patch module calls is exported GPL-only by vmlinux.
        assertThat(s.export("klp_enable_patch")).hasValueSatisfying(e -> {
            assertThat(e.object()).isEqualTo("vmlinux");
            assertThat(e.gplOnly()).isTrue();
        });
    }
}
