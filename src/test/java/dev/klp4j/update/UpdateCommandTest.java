package dev.klp4j.update;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klp4j.debian.KernelRelease;
import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * klp4j update on Debian's real archive: 6.1.0-55-amd64 (source 6.1.192-1) caught up to 6.1.192-2
 * (one ext4 fix) and then to 6.1.192-3 (that, and an nfsd CVE fix), the second proven in the VM
 * with the first loaded before it: it must replace it. The first run fetches the release and both
 * sources (a few minutes); cached after.
 */
@Order(5) // a long class: starts early (src/test/resources/junit-platform.properties)
@Tag("vm")
class UpdateCommandTest {
    private static final String RELEASE = "6.1.0-55-amd64";
    @TempDir Path out;

    @Test
    void aDebianUpdateBecomesOneProvenCumulativeModuleThatReplacesTheEarlierOne() throws Exception {
        CliRun first = CliRun.of("update", "--kernel", RELEASE, "--to", "6.1.192-2", "-o", out.toString(), "-j", "2", "--json");
        assertThat(first.exit()).as(first.out() + first.err()).isZero();
        JsonNode j1 = new ObjectMapper().readTree(first.out());
        assertThat(j1.get("from").asText()).isEqualTo("6.1.192-1");
        assertThat(j1.get("fixes")).singleElement().satisfies(f -> {
            assertThat(f.get("id").asText()).isEqualTo("fs/ext4/mballoc.c");
            assertThat(f.get("status").asText()).isEqualTo("live-patched");
            assertThat(f.get("functions").toString()).contains("ext4_mb_load_buddy_gfp");
            assertThat(f.get("changelog").toString()).contains("6.1.192-2: ext4: fix NULL folio dereference in mballoc");
        });
        assertThat(j1.get("effective").asText()).isEqualTo("6.1.192-2");
        Path m1 = out.resolve(RELEASE).resolve("klp4j_update_6_1_192_2.ko");
        assertThat(j1.get("module").asText()).isEqualTo(m1.toString());
        assertThat(m1).isNotEmptyFile();
        assertThat(new ObjectMapper().readTree(out.resolve(RELEASE).resolve("update.json").toFile())).isEqualTo(j1);

        CliRun second = CliRun.of("update", "--kernel", RELEASE, "--to", "6.1.192-3", "-o", out.toString(), "-j", "2", "--prove",
                "--guest-runtime", "shell");
        assertThat(second.exit()).as(second.out() + second.err()).isZero();
        assertThat(second.out()).contains("[1/2] live-patched fs/ext4/mballoc.c").contains("[2/2] live-patched fs/nfsd/nfs4state.c")
                .contains("dmesg         pass").contains("PASS, replacing klp4j_update_6_1_192_2.ko")
                .contains("wrote " + out.resolve(RELEASE).resolve("klp4j_update_6_1_192_3.ko") + " (proven)");
        JsonNode j2 = dev.klp4j.testing.JsonContract.check("update", Files.readString(out.resolve(RELEASE).resolve("update.json")));
        assertThat(j2.get("proven").asBoolean()).isTrue();
        assertThat(j2.get("fixes")).hasSize(2);
        assertThat(j2.get("fixes").get(1).get("functions").toString()).contains("nfsd4_sequence");
        assertThat(j2.get("cves").get("live_patched").toString()).contains("CVE-2026-99362");
        assertThat(j2.get("cves").get("needs_reboot")).isEmpty();
        assertThat(j2.get("effective").asText()).isEqualTo("6.1.192-3");
    }

    @Test
    void aVersionTheArchiveDoesNotHaveIsNamedWithTheOnesItHas() {
        CliRun r = CliRun.of("update", "--kernel", RELEASE, "--to", "6.1.999-1", "-o", out.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().asString()
                .startsWith("klp4j: --to 6.1.999-1: Debian 12 (bookworm)'s archive has no linux-source-6.1 6.1.999-1 (it has ")
                .contains("6.1.192-3, 6.1.192-2, 6.1.192-1");
        assertThat(out).isEmptyDirectory();
    }

    @Test
    void aReleaseThatDoesNotExistIsNamedWithTheOnesThatDo() {
        CliRun r = CliRun.of("update", "--kernel", "9.9.9-1-amd64", "-o", out.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().asString()
                .startsWith("klp4j: kernel 9.9.9-1-amd64: no such Debian release").contains(", " + KernelRelease.defaultRelease());
        CliRun gone = CliRun.of("update", "--kernel", "6.1.0-99-cloud-amd64", "-o", out.toString());
        assertThat(gone.exit()).as(gone.out() + gone.err()).isEqualTo(2);
        assertThat(gone.err().strip().lines()).singleElement().asString()
                .startsWith("klp4j: kernel 6.1.0-99-cloud-amd64: Debian 12 (bookworm)'s archive has no linux-image-6.1.0-99-cloud-amd64")
                .contains("6.1.0-55-cloud-amd64, 6.1.0-56-cloud-amd64");
    }

    @Test
    void aReleaseAlreadyAtTheVersionHasNothingToDo() throws Exception {
        String host = KernelRelease.defaultRelease();
        String own = dev.klp4j.debian.TargetResolver.PackageQuery.DPKG.version("linux-image-" + host);
        CliRun r = CliRun.of("update", "--kernel", host, "--to", own, "-o", out.toString());
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.out()).contains(host + " is already at " + own + ": nothing to do");
        assertThat(r.err().strip()).isEqualTo("klp4j: " + host + " is already at " + own + ": nothing to live patch");
        assertThat(Files.readString(out.resolve(host).resolve("update.json"))).contains("\"fixes\" : [ ]");
    }
}
