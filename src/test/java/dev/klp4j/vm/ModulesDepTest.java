package dev.klp4j.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.debian.KernelRelease;
import dev.klp4j.kernel.KernelTree;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModulesDepTest {
    static final String DEP = """
            kernel/net/9p/9pnet.ko:
            kernel/drivers/virtio/virtio_ring.ko:
            kernel/drivers/virtio/virtio.ko:
            kernel/net/9p/9pnet_virtio.ko: kernel/net/9p/9pnet.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
            kernel/fs/netfs/netfs.ko:
            kernel/fs/fscache/fscache.ko: kernel/fs/netfs/netfs.ko
            kernel/fs/9p/9p.ko: kernel/net/9p/9pnet.ko kernel/fs/fscache/fscache.ko kernel/fs/netfs/netfs.ko
            """;

    @Test
    void closureListsEveryModuleAfterItsDependencies() {
        List<String> order = ModulesDep.parse(DEP).closure(List.of("9p", "9pnet-virtio"));
        assertThat(order).containsExactlyInAnyOrder("kernel/net/9p/9pnet.ko", "kernel/fs/netfs/netfs.ko",
                "kernel/fs/fscache/fscache.ko", "kernel/fs/9p/9p.ko", "kernel/drivers/virtio/virtio.ko",
                "kernel/drivers/virtio/virtio_ring.ko", "kernel/net/9p/9pnet_virtio.ko");
        assertThat(order.indexOf("kernel/fs/netfs/netfs.ko")).isLessThan(order.indexOf("kernel/fs/fscache/fscache.ko"));
        assertThat(order.indexOf("kernel/fs/fscache/fscache.ko")).isLessThan(order.indexOf("kernel/fs/9p/9p.ko"));
        assertThat(order.indexOf("kernel/drivers/virtio/virtio.ko")).isLessThan(order.indexOf("kernel/net/9p/9pnet_virtio.ko"));
    }

    @Test
    void unknownModulesAreNamed() {
        assertThatThrownBy(() -> ModulesDep.parse(DEP).closure(List.of("xfs"))).hasMessageContaining("'xfs' is not in modules.dep");
    }

    @Test
    void theTargetKernelsShareModulesAreFewAndInLoadOrder() {
        KernelTree t = KernelTree.of(KernelRelease.defaultRelease());
        ModulesDep dep = ModulesDep.read(t.modulesDir());
        List<String> order = dep.closure(GuestImage.SHARE_MODULES);
        assertThat(order).hasSizeLessThan(20).anyMatch(p -> p.endsWith("/9p.ko"));
        assertThat(order.get(order.size() - 1)).endsWith("9p.ko");
    }
}
