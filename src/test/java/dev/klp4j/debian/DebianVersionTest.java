package dev.klp4j.debian;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebianVersionTest {
    @Test
    void ordersKernelSourceVersionsAsDpkgDoes() {
        List<String> v = new ArrayList<>(List.of("6.1.192-3", "6.1.176-1", "6.1.192-1", "6.1.190-1", "6.1.192-2", "6.1.187-1", "6.1.170-3"));
        v.sort(DebianVersion.ORDER);
        assertThat(v).containsExactly("6.1.170-3", "6.1.176-1", "6.1.187-1", "6.1.190-1", "6.1.192-1", "6.1.192-2", "6.1.192-3");
        // numbers compare as numbers, not text
        assertThat(DebianVersion.compare("6.12.107-1", "6.12.99-1")).isPositive();
        assertThat(DebianVersion.compare("6.12.118-1", "6.12.118-1")).isZero();
        // '~' sorts before the end (release candidates), a letter before a '+'
        assertThat(DebianVersion.compare("6.13~rc7-1~exp1", "6.13-1")).isNegative();
        assertThat(DebianVersion.compare("1.0a", "1.0+")).isNegative();
        assertThat(DebianVersion.compare("6.1.192-3+deb12u1", "6.1.192-3")).isPositive();
        // the epoch wins over everything
        assertThat(DebianVersion.compare("1:5.0-1", "6.1.192-3")).isPositive();
    }

    @Test
    void kernelReleaseNamesSortAsTheirVersions() {
        List<String> releases = new java.util.ArrayList<>(List.of("6.12.100+deb12-amd64", "6.1.0-57-amd64", "6.1.0-9-amd64", "6.1.0-10-amd64"));
        releases.sort(DebianVersion.ORDER);
        assertThat(releases).containsExactly("6.1.0-9-amd64", "6.1.0-10-amd64", "6.1.0-57-amd64", "6.12.100+deb12-amd64");
    }
}
