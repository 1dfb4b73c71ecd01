package dev.klp4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KernelConfigTest {
    @TempDir Path tmp;

    @Test
    void builtInIsYAndSetIsYOrM() throws Exception {
        Path file = tmp.resolve("config-6.12.117+deb13-cloud-amd64");
        Files.writeString(file, "CONFIG_LIVEPATCH=y\nCONFIG_9P_FS=m\n# CONFIG_NET_9P_VIRTIO is not set\nCONFIG_LOG_BUF_SHIFT=17\nCONFIG_CMDLINE=\"\"\n");
        KernelConfig c = KernelConfig.read(file).orElseThrow();
        assertThat(c.builtIn("CONFIG_LIVEPATCH")).isTrue();
        assertThat(c.builtIn("CONFIG_9P_FS")).isFalse();
        assertThat(c.sets("CONFIG_9P_FS")).isTrue();
        assertThat(c.sets("CONFIG_NET_9P_VIRTIO")).isFalse();
        assertThat(c.sets("CONFIG_LOG_BUF_SHIFT")).isFalse();
        assertThat(KernelConfig.read(tmp.resolve("missing"))).isEmpty();
    }
}
