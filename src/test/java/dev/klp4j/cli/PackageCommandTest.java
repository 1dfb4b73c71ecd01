package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.base.Exec;
import dev.klp4j.kernel.FakeModules;
import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** klp4j package: real .debs made by dpkg-deb, read back with dpkg-deb and modinfo. */
class PackageCommandTest {
    static final String R = "6.1.0-55-amd64";
    @TempDir Path tmp;

    /** What klp4j update writes for one release: the module and update.json. */
    Path updateOutput(boolean proven) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("upd/" + R));
        FakeModules.livepatch(dir, "klp4j_update_6_1_192_3", R);
        Files.writeString(dir.resolve("update.json"), """
                {"release": "%s", "from": "6.1.192-1", "to": "6.1.192-3", "proven": %s,
                 "effective": "6.1.192-3 except 1 fix that needs a reboot",
                 "cves": {"live_patched": ["CVE-2026-99362"], "needs_reboot": ["CVE-2026-1000"], "not_affected": []},
                 "fixes": []}
                """.formatted(R, proven));
        return dir;
    }

    static String field(Path deb, String name) {
        return Exec.check(null, List.of("dpkg-deb", "-f", deb.toString(), name), "dpkg-deb -f").strip();
    }

    @Test
    void anUpdatesOutputBecomesAPackagePinnedToTheExactKernelBuild() throws Exception {
        Path out = tmp.resolve("debs");
        CliRun r = CliRun.of("package", updateOutput(true).toString(), "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path deb = out.resolve("klp4j-livepatch-" + R + "_6.1.192-3_amd64.deb");
        assertThat(r.out()).contains("wrote " + deb).contains("unsigned");
        assertThat(field(deb, "Package")).isEqualTo("klp4j-livepatch-" + R);
        assertThat(field(deb, "Version")).isEqualTo("6.1.192-3");
        assertThat(field(deb, "Depends")).isEqualTo("klp4j, linux-image-" + R + " (= 6.1.192-1)");
        assertThat(field(deb, "Description")).contains("equivalent to 6.1.192-3 except 1 fix that needs a reboot")
                .contains("CVEs live patched: CVE-2026-99362").contains("need a reboot: CVE-2026-1000");
        String files = Exec.check(null, List.of("dpkg-deb", "-c", deb.toString()), "dpkg-deb -c");
        assertThat(files).contains("root/root").contains("./usr/lib/modules/" + R + "/klp4j/klp4j_update_6_1_192_3.ko")
                .contains("./usr/lib/modules/" + R + "/klp4j/update.json");
        Path ctl = tmp.resolve("ctl");
        Exec.check(null, List.of("dpkg-deb", "-e", deb.toString(), ctl.toString()), "dpkg-deb -e");
        assertThat(Files.readString(ctl.resolve("postinst"))).contains("\"$1\" = configure").contains("klp4j apply");
        assertThat(Files.isExecutable(ctl.resolve("postinst"))).isTrue();
        assertThat(Files.readString(ctl.resolve("md5sums"))).contains("usr/lib/modules/" + R + "/klp4j/update.json").doesNotContain("DEBIAN");

        CliRun again = CliRun.of("package", updateOutput(true).toString(), "-o", out.toString(), "--revision", "2");
        assertThat(again.exit()).as(again.err()).isZero();
        assertThat(field(out.resolve("klp4j-livepatch-" + R + "_6.1.192-3+2_amd64.deb"), "Version")).isEqualTo("6.1.192-3+2");
    }

    @Test
    void aSignedModuleNamesTheCertificateAndAMismatchedKeyIsRefused() throws Exception {
        Path key = tmp.resolve("klp.key");
        Path cert = tmp.resolve("klp.pem");
        Exec.check(tmp, List.of("openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                "-subj", "/CN=klp4j fleet test/", "-keyout", key.toString(), "-out", cert.toString()), "openssl req");
        Path out = tmp.resolve("debs");
        CliRun r = CliRun.of("package", updateOutput(true).toString(), "-o", out.toString(), "--sign-key", key.toString(), "--sign-cert", cert.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        Path x = tmp.resolve("x");
        Exec.check(null, List.of("dpkg-deb", "-x", out.resolve("klp4j-livepatch-" + R + "_6.1.192-3_amd64.deb").toString(), x.toString()), "dpkg-deb -x");
        Path ko = x.resolve("usr/lib/modules/" + R + "/klp4j/klp4j_update_6_1_192_3.ko");
        assertThat(Exec.check(null, List.of("modinfo", "-F", "signer", ko.toString()), "modinfo").strip()).isEqualTo("klp4j fleet test");

        Path other = tmp.resolve("other.key");
        Exec.check(tmp, List.of("openssl", "genpkey", "-algorithm", "RSA", "-out", other.toString()), "openssl genpkey");
        Path out2 = tmp.resolve("debs2");
        CliRun bad = CliRun.of("package", updateOutput(true).toString(), "-o", out2.toString(), "--sign-key", other.toString(), "--sign-cert", cert.toString());
        assertThat(bad.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(bad.err().strip()).doesNotContain("\n").contains(other + " does not match " + cert);
        assertThat(out2).doesNotExist();
    }

    @Test
    void whatCannotBeShippedIsRefusedInOneLine() throws Exception {
        CliRun unproven = CliRun.of("package", updateOutput(false).toString(), "-o", tmp.resolve("d").toString());
        assertThat(unproven.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(unproven.err()).contains("was not proven: run klp4j update with --prove");

        Path lone = FakeModules.livepatch(Files.createDirectories(tmp.resolve("lone")), "klp4j_fix", R);
        CliRun noVersion = CliRun.of("package", lone.toString(), "-o", tmp.resolve("d").toString());
        assertThat(noVersion.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(noVersion.err()).contains("give --built-for VERSION");
        CliRun withVersion = CliRun.of("package", lone.toString(), "--built-for", "6.1.192-1", "-o", tmp.resolve("d").toString());
        assertThat(withVersion.exit()).as(withVersion.err()).isZero();
        assertThat(field(tmp.resolve("d/klp4j-livepatch-" + R + "_6.1.192-1+1_amd64.deb"), "Depends")).endsWith("(= 6.1.192-1)");

        CliRun half = CliRun.of("package", lone.toString(), "--built-for", "6.1.192-1", "--sign-key", "k");
        assertThat(half.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(half.err()).contains("--sign-key and --sign-cert go together");
    }
}
