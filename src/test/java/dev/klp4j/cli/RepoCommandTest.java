package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.kernel.FakeModules;
import dev.klp4j.testing.CliRun;
import dev.klp4j.testing.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * klp4j repo: a real apt repository (apt-ftparchive, gpg) that a real apt, with only the exported
 * key, accepts, fetches a package from, and refuses once an index is tampered with.
 */
class RepoCommandTest {
    static final String R = "6.1.0-55-amd64";
    @TempDir Path tmp;

    Path deb(String to) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("upd-" + to + "/" + R));
        FakeModules.livepatch(dir, "klp4j_update_" + to.replace('.', '_').replace('-', '_'), R);
        Files.writeString(dir.resolve("update.json"), """
                {"release": "%s", "from": "6.1.192-1", "to": "%s", "proven": true, "cves": {"live_patched": []}, "fixes": []}
                """.formatted(R, to));
        CliRun p = CliRun.of("package", dir.toString(), "-o", tmp.resolve("debs").toString());
        assertThat(p.exit()).as(p.err()).isZero();
        return tmp.resolve("debs/klp4j-livepatch-" + R + "_" + to + "_amd64.deb");
    }

    /** apt with its own state and only this source, as a host would have it. */
    Proc.Result apt(Path repo, String ring, String... args) throws Exception {
        Path state = tmp.resolve("apt-" + ring);
        Files.createDirectories(state.resolve("lists/partial"));
        Files.createDirectories(state.resolve("cache/archives/partial"));
        Files.createDirectories(state.resolve("etc/preferences.d"));
        Files.createDirectories(state.resolve("etc/trusted.gpg.d"));
        Files.writeString(state.resolve("sources.list"), "deb [signed-by=" + repo.resolve("klp4j-archive-keyring.asc") + "] file:" + repo + " " + ring + " main\n");
        Files.writeString(state.resolve("status"), "");
        List<String> cmd = new ArrayList<>(List.of(args[0],
                "-o", "Dir::Etc::SourceList=" + state.resolve("sources.list"), "-o", "Dir::Etc::SourceParts=" + state.resolve("none"),
                "-o", "Dir::Etc::Parts=" + state.resolve("etc"), "-o", "Dir::Etc::PreferencesParts=" + state.resolve("etc/preferences.d"),
                "-o", "Dir::Etc::TrustedParts=" + state.resolve("etc/trusted.gpg.d"),
                "-o", "Dir::State::Lists=" + state.resolve("lists"), "-o", "Dir::State::status=" + state.resolve("status"),
                "-o", "Dir::Cache=" + state.resolve("cache"), "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"));
        cmd.addAll(List.of(args).subList(1, args.length));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile()).redirectErrorStream(true);
        Process pr = pb.start();
        String out = new String(pr.getInputStream().readAllBytes());
        return new Proc.Result(pr.waitFor(), out, "");
    }

    @Test
    void ringsAreSignedSuitesThatAptTrustsAndPromotionCopiesTheSameBytes() throws Exception {
        Path repo = tmp.resolve("repo");
        Path home = tmp.resolve("gnupg");
        Path first = deb("6.1.192-2"), second = deb("6.1.192-3");
        CliRun add = CliRun.of("repo", "add", repo.toString(), first.toString(), second.toString(), "--ring", "canary", "--gnupg-home", home.toString());
        assertThat(add.exit()).as(add.err()).isZero();
        assertThat(add.out()).contains("added klp4j-livepatch-" + R + " 6.1.192-3 to canary");
        assertThat(repo.resolve("klp4j-archive-keyring.asc")).content().startsWith("-----BEGIN PGP PUBLIC KEY BLOCK-----");
        String release = Files.readString(repo.resolve("dists/canary/Release"));
        assertThat(release).contains("Suite: canary", "Codename: canary", "Valid-Until: ", "main/binary-amd64/Packages");
        assertThat(Files.readString(repo.resolve("dists/canary/InRelease"))).startsWith("-----BEGIN PGP SIGNED MESSAGE-----");

        Proc.Result update = apt(repo, "canary", "apt-get", "update");
        assertThat(update.exit()).as(update.out()).isZero();
        Proc.Result policy = apt(repo, "canary", "apt-cache", "madison", "klp4j-livepatch-" + R);
        assertThat(policy.out()).contains("6.1.192-3").contains("6.1.192-2");
        Proc.Result download = apt(repo, "canary", "apt-get", "download", "klp4j-livepatch-" + R + "=6.1.192-2");
        assertThat(download.exit()).as(download.out()).isZero();
        assertThat(Files.mismatch(tmp.resolve("klp4j-livepatch-" + R + "_6.1.192-2_amd64.deb"), first)).isEqualTo(-1);

        CliRun promote = CliRun.of("repo", "promote", repo.toString(), "klp4j-livepatch-" + R, "--from", "canary", "--to", "stable", "--gnupg-home", home.toString());
        assertThat(promote.exit()).as(promote.err()).isZero();
        assertThat(promote.out()).contains("promoted klp4j-livepatch-" + R + " 6.1.192-3 from canary to stable");
        Path canaryFile = repo.resolve("pool/canary/klp4j-livepatch-" + R + "_6.1.192-3_amd64.deb");
        Path stableFile = repo.resolve("pool/stable/klp4j-livepatch-" + R + "_6.1.192-3_amd64.deb");
        assertThat(Files.mismatch(canaryFile, stableFile)).isEqualTo(-1);
        assertThat(CliRun.of("repo", "list", repo.toString()).out()).contains("stable\tklp4j-livepatch-" + R + "\t6.1.192-3")
                .doesNotContain("stable\tklp4j-livepatch-" + R + "\t6.1.192-2");
        assertThat(apt(repo, "stable", "apt-get", "update").exit()).isZero();

        // a tampered index: apt refuses it
        Path packages = repo.resolve("dists/stable/main/binary-amd64/Packages");
        Files.writeString(packages, Files.readString(packages).replace("6.1.192-3", "6.1.192-9"));
        Files.delete(repo.resolve("dists/stable/main/binary-amd64/Packages.gz"));
        Files.walk(tmp.resolve("apt-stable/lists")).filter(Files::isRegularFile).forEach(f -> f.toFile().delete());
        Proc.Result tampered = apt(repo, "stable", "apt-get", "update");
        assertThat(tampered.out()).containsAnyOf("Hash Sum mismatch", "File has unexpected size", "Hashes of expected file");
        assertThat(apt(repo, "stable", "apt-cache", "madison", "klp4j-livepatch-" + R).out()).doesNotContain("6.1.192-9");
    }

    @Test
    void wrongInputIsOneLineAndLeavesNoRepository() throws Exception {
        Path repo = tmp.resolve("repo");
        Path notDeb = Files.writeString(tmp.resolve("x.deb"), "junk");
        CliRun bad = CliRun.of("repo", "add", repo.toString(), notDeb.toString(), "--gnupg-home", tmp.resolve("g").toString());
        assertThat(bad.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(bad.err()).contains("x.deb: not a Debian package");
        assertThat(repo.resolve("pool")).doesNotExist();
        CliRun ring = CliRun.of("repo", "add", repo.toString(), "--ring", "Stable!", "--gnupg-home", tmp.resolve("g").toString());
        assertThat(ring.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(ring.err()).contains("'Stable!' is not a ring name");
        CliRun key = CliRun.of("repo", "add", repo.toString(), "--gpg-key", "nobody@example.org", "--gnupg-home", tmp.resolve("g").toString());
        assertThat(key.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(key.err()).contains("gpg has no secret key 'nobody@example.org'");
        CliRun promote = CliRun.of("repo", "promote", tmp.resolve("none").toString(), "p", "--from", "canary", "--to", "stable");
        assertThat(promote.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(promote.err()).contains("not a klp4j repository");
    }
}
