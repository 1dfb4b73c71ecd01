package dev.klp4j.debian;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DebianSuiteTest {
    @Test
    void aReleaseNamesItsSuite() {
        assertThat(DebianSuite.ofRelease("6.12.117+deb13-amd64")).contains(DebianSuite.TRIXIE);
        assertThat(DebianSuite.ofRelease("6.12.117+deb13-cloud-amd64")).contains(DebianSuite.TRIXIE);
        assertThat(DebianSuite.ofRelease("6.1.0-56-amd64")).contains(DebianSuite.BOOKWORM);
        assertThat(DebianSuite.ofRelease("6.1.0-50-rt-amd64")).contains(DebianSuite.BOOKWORM);
        assertThat(DebianSuite.ofRelease("6.16.3+deb14-amd64")).as("a suite klp4j does not know").isEmpty();
        assertThat(DebianSuite.ofRelease("6.8.0-45-generic")).as("not Debian's").isEmpty();
    }

    @Test
    void theHostsSuiteComesFromOsRelease(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("os-release");
        Files.writeString(f, "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nVERSION_CODENAME=trixie\nID=debian\n");
        assertThat(DebianSuite.host(f)).contains(DebianSuite.TRIXIE);
        Files.writeString(f, "ID=ubuntu\nVERSION_CODENAME=noble\n");
        assertThat(DebianSuite.host(f)).isEmpty();
        assertThat(DebianSuite.host(dir.resolve("missing"))).isEmpty();
        assertThat(DebianSuite.TRIXIE).hasToString("Debian 13 (trixie)");
    }
}
