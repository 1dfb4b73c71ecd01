package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.kernel.FakeModules;
import dev.klp4j.runtime.KernelOps;
import dev.klp4j.testing.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * klp4j apply and status on a fake host into which a real klp4j-livepatch .deb (made by klp4j
 * package, unpacked by dpkg-deb) is installed: the crash guard's decisions, the exact-build check,
 * the disable switches, the signing preflight, and the status JSON scanners read.
 */
class HostCommandsTest {
    static final String R = "6.1.0-55-amd64";
    static final String MODULE = "klp4j_update_6_1_192_3";
    @TempDir Path tmp;
    Path root;
    final List<String> actions = new ArrayList<>();
    final List<String> dmesg = new ArrayList<>();
    /** Lines the kernel logs when the patch is loaded (an oops in its new code, say). */
    List<String> onInsmod = List.of();
    /** What insmod fails with, or null. */
    String insmodError;
    /** The machine goes down during the quiet period. */
    boolean crashAfterInsmod;

    static final class Crash extends Error {
        private static final long serialVersionUID = 1L;
    }

    final class Kernel implements KernelOps {
        long now;

        @Override public void insmod(Path module) {
            String name = dev.klp4j.kernel.ModuleInfo.read(module).name();
            actions.add("insmod " + name);
            if (insmodError != null) throw Failure.failed("insmod " + module + " failed: " + insmodError + " (see dmesg)");
            try {
                Path d = Files.createDirectories(root.resolve("sys/kernel/livepatch/" + name + "/vmlinux/nfsd4_sequence,1"));
                Files.createDirectories(root.resolve("sys/module/" + name));
                Files.writeString(root.resolve("sys/module/" + name + "/taint"), "OEK\n");
                // replace mode: the kernel drops every other patch from sysfs, their modules stay
                try (var s = Files.list(root.resolve("sys/kernel/livepatch"))) {
                    for (Path other : s.filter(p -> !p.getFileName().toString().equals(name)).toList()) delete(other);
                }
                Files.writeString(d.getParent().getParent().resolve("enabled"), "1\n");
                Files.writeString(d.getParent().getParent().resolve("transition"), "0\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            dmesg.addAll(onInsmod);
        }

        @Override public void rmmod(String name) {
            actions.add("rmmod " + name);
            delete(root.resolve("sys/module/" + name));
        }

        @Override public void write(Path attribute, String value) {
            actions.add("write " + attribute.getParent().getFileName() + "/" + attribute.getFileName() + " " + value);
            delete(attribute.getParent());
        }

        @Override public long millis() { return now; }

        @Override public void sleep(long millis) {
            if (crashAfterInsmod) throw new Crash();
            now += millis;
        }
    }

    static void delete(Path p) {
        try (var s = Files.walk(p)) {
            for (Path f : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(f);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        root = tmp.resolve("root");
        Files.createDirectories(root.resolve("sys/kernel/livepatch"));
        Files.createDirectories(root.resolve("sys/module"));
        Files.createDirectories(root.resolve("proc/sys/kernel/random"));
        Files.createDirectories(root.resolve("run"));
        boot("6.1.192-1", "quiet");
        RuntimeOptions.OPS.set(new Kernel());
        HostCommands.KERNEL_LOG.set(() -> List.copyOf(dmesg));
    }

    @AfterEach
    void tearDown() {
        RuntimeOptions.OPS.remove();
        HostCommands.KERNEL_LOG.remove();
    }

    /** A (re)boot into the {@code build} build of R: a new boot id, no patch loaded. */
    void boot(String build, String cmdline) throws IOException {
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), R + "\n");
        Files.writeString(root.resolve("proc/version"), "Linux version " + R + " (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1)"
                + " 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian " + build + " (2026-10-10)\n");
        Files.writeString(root.resolve("proc/cmdline"), "BOOT_IMAGE=/vmlinuz-" + R + " root=/dev/vda1 " + cmdline + "\n");
        Files.writeString(root.resolve("proc/sys/kernel/random/boot_id"), java.util.UUID.randomUUID() + "\n");
        for (Path d : List.of(root.resolve("sys/kernel/livepatch"), root.resolve("sys/module"), root.resolve("run"))) {
            delete(d);
            Files.createDirectories(d);
        }
        dmesg.clear();
    }

    /** klp4j package's .deb of an update to 6.1.192-3, unpacked into the fake root as dpkg would. */
    void installPackage(boolean signed) throws Exception {
        Path upd = Files.createDirectories(tmp.resolve("upd/" + R));
        FakeModules.livepatch(upd, MODULE, R);
        Files.writeString(upd.resolve("update.json"), """
                {"release": "%s", "from": "6.1.192-1", "to": "6.1.192-3", "proven": true, "effective": "6.1.192-3",
                 "cves": {"live_patched": ["CVE-2026-99362"], "needs_reboot": ["CVE-2026-1000"]}, "fixes": []}
                """.formatted(R));
        List<String> args = new ArrayList<>(List.of("package", upd.toString(), "-o", tmp.resolve("debs").toString()));
        if (signed) {
            Exec.check(tmp, List.of("openssl", "req", "-new", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=fleet/", "-keyout", "k.pem", "-out", "c.pem"), "openssl");
            args.addAll(List.of("--sign-key", tmp.resolve("k.pem").toString(), "--sign-cert", tmp.resolve("c.pem").toString()));
        }
        CliRun p = CliRun.of(args.toArray(String[]::new));
        assertThat(p.exit()).as(p.err()).isZero();
        Exec.check(null, List.of("dpkg-deb", "-x", tmp.resolve("debs/klp4j-livepatch-" + R + "_6.1.192-3_amd64.deb").toString(), root.toString()), "dpkg-deb -x");
        dev.klp4j.testing.JsonContract.check("package", java.nio.file.Files.readString(root.resolve("usr/lib/modules/" + R + "/klp4j/package.json")));
    }

    CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--root", root.toString()));
        return CliRun.of(all.toArray(String[]::new));
    }

    JsonNode statusJson() throws IOException {
        return dev.klp4j.testing.JsonContract.check("status", java.nio.file.Files.readString(root.resolve("run/klp4j/status.json")));
    }

    @Test
    void theExactBuildGetsThePatchOnceAndStatusTellsScannersTheEffectiveVersion() throws Exception {
        CliRun none = run("status", "--json");
        assertThat(none.exit()).as(none.err()).isZero();
        assertThat(Json.mapper().readTree(none.out()).get("state").asText()).isEqualTo("none");
        assertThat(Json.mapper().readTree(none.out()).get("effective").asText()).isEqualTo("6.1.192-1");

        installPackage(false);
        assertThat(run("status").out()).contains("state:     not-loaded").contains("effective: 6.1.192-1");
        CliRun apply = run("apply", "--json");
        assertThat(apply.exit()).as(apply.err()).isZero();
        assertThat(actions).containsExactly("insmod " + MODULE);
        JsonNode s = statusJson();
        assertThat(s.get("state").asText()).isEqualTo("applied");
        assertThat(s.get("build").asText()).isEqualTo("6.1.192-1");
        assertThat(s.get("effective").asText()).isEqualTo("6.1.192-3");
        assertThat(s.get("effective_version").asText()).isEqualTo("6.1.192-3");
        assertThat(s.get("patch").get("cves").get("live_patched")).extracting(JsonNode::asText).containsExactly("CVE-2026-99362");
        assertThat(s.get("patch").get("cves").get("needs_reboot")).extracting(JsonNode::asText).containsExactly("CVE-2026-1000");
        assertThat(s.get("livepatches")).extracting(JsonNode::asText).containsExactly(MODULE);
        assertThat(Json.mapper().readTree(apply.out())).isEqualTo(s);

        assertThat(run("apply").out()).as("a second apply of the boot").contains("state:     loaded: already loaded");

        // an earlier klp4j patch, replaced by a new apply: its module goes, other modules stay
        actions.clear();
        Files.delete(root.resolve("sys/kernel/livepatch/" + MODULE + "/vmlinux/nfsd4_sequence,1"));
        delete(root.resolve("sys/kernel/livepatch/" + MODULE));
        Files.createDirectories(root.resolve("sys/kernel/livepatch/klp4j_older"));
        Files.createDirectories(root.resolve("sys/module/klp4j_older"));
        Files.writeString(root.resolve("sys/module/klp4j_older/taint"), "OEK\n");
        Files.createDirectories(root.resolve("sys/module/nfsd"));
        Files.writeString(root.resolve("sys/module/nfsd/taint"), "\n");
        delete(root.resolve("sys/module/" + MODULE));
        assertThat(run("apply").exit()).isZero();
        assertThat(actions).containsExactly("insmod " + MODULE, "rmmod klp4j_older");
        actions.clear();
        actions.add("insmod " + MODULE);
        assertThat(actions).hasSize(1);
        // the attempt was confirmed: the next boot loads it again
        boot("6.1.192-1", "quiet");
        assertThat(run("apply").exit()).isZero();
        assertThat(actions).containsExactly("insmod " + MODULE, "insmod " + MODULE);
    }

    @Test
    void aPatchWhoseAttemptWasNeverConfirmedIsNotLoadedAfterTheReboot() throws Exception {
        installPackage(false);
        crashAfterInsmod = true;
        try {
            run("apply");
        } catch (Crash expected) {
            // the machine went down in the quiet period
        }
        crashAfterInsmod = false;
        boot("6.1.192-1", "quiet");
        CliRun again = run("apply");
        assertThat(again.exit()).as("skipping on purpose does not fail klp4j.service").isZero();
        assertThat(actions).containsExactly("insmod " + MODULE);
        assertThat(statusJson().get("state").asText()).isEqualTo("guarded");
        assertThat(statusJson().get("reason").asText()).contains("never confirmed").contains("delete " + root.resolve("var/lib/klp4j/guard"));
        assertThat(statusJson().get("effective").asText()).isEqualTo("6.1.192-1");
        assertThat(statusJson().get("effective_version").asText()).isEqualTo("6.1.192-1");
        assertThat(statusJson().get("patch").get("cves").get("not_applied")).extracting(JsonNode::asText).containsExactly("CVE-2026-99362");
        assertThat(run("status").out()).contains("state:     guarded: the attempt to load it in an earlier boot was never confirmed");
    }

    @Test
    void anOopsNamingThePatchUnloadsItAndItStaysOffAtTheNextBoot() throws Exception {
        installPackage(false);
        dmesg.add("[    3.1] WARNING: CPU: 0 PID: 1 at fs/ext4/inode.c:100 ext4_foo+0x10/0x20");
        dmesg.add("[    3.1] Modules linked in: " + MODULE + " nfsd");
        dmesg.add("[    3.2] ---[ end trace 0000000000000000 ]---");
        onInsmod = List.of("[   9.0] BUG: kernel NULL pointer dereference, address: 0000000000000008",
                "[   9.0] Modules linked in: " + MODULE + "(K) nfsd sunrpc",
                "[   9.0] RIP: 0010:nfsd4_sequence+0x5/0x10 [" + MODULE + "]",
                "[   9.0] ---[ end trace 0000000000000000 ]---");
        CliRun apply = run("apply");
        assertThat(apply.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(apply.err()).contains("not applied: the kernel logged 'BUG: kernel NULL pointer dereference");
        assertThat(actions).containsExactly("insmod " + MODULE, "write " + MODULE + "/enabled 0", "rmmod " + MODULE);
        boot("6.1.192-1", "quiet");
        assertThat(run("apply").exit()).isZero();
        assertThat(actions).hasSize(3);
        assertThat(statusJson().get("reason").asText()).contains("BUG: kernel NULL pointer dereference").contains("not loaded again");
    }

    @Test
    void anotherBuildTheSwitchesAndTheSigningPreflightLeaveTheKernelAlone() throws Exception {
        installPackage(false);
        boot("6.1.192-2", "quiet");
        assertThat(run("apply").exit()).isZero();
        assertThat(statusJson().get("state").asText()).isEqualTo("wrong-build");
        assertThat(statusJson().get("reason").asText()).contains("for the 6.1.192-1 build of " + R + " and this kernel is the 6.1.192-2 build");

        boot("6.1.192-1", "quiet klp4j.disable=1");
        run("apply");
        assertThat(statusJson().get("state").asText()).isEqualTo("disabled");
        boot("6.1.192-1", "quiet");
        Files.createDirectories(root.resolve("etc/klp4j"));
        Files.writeString(root.resolve("etc/klp4j/disable"), "");
        run("apply");
        assertThat(statusJson().get("reason").asText()).contains("/etc/klp4j/disable");
        Files.delete(root.resolve("etc/klp4j/disable"));

        Files.createDirectories(root.resolve("sys/kernel/security"));
        Files.writeString(root.resolve("sys/kernel/security/lockdown"), "none [integrity] confidentiality\n");
        CliRun unsigned = run("apply");
        assertThat(unsigned.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(unsigned.err()).contains("the kernel loads only signed modules (lockdown integrity)").contains("mokutil --import");
        assertThat(actions).isEmpty();
    }

    @Test
    void aSignedPatchWhoseKeyTheKernelDoesNotTrustIsToldAsSuch() throws Exception {
        installPackage(true);
        Files.createDirectories(root.resolve("sys/module/module/parameters"));
        Files.writeString(root.resolve("sys/module/module/parameters/sig_enforce"), "Y\n");
        // /proc/keys as root on Debian's kernel: the build key and regdb's, not the operator's
        Files.writeString(root.resolve("proc/keys"), """
                068b8213 I------     1 perm 1f030000     0     0 asymmetri Build time autogenerated kernel key: 35ec5eb42ea9fd1caf03b977c56ef26a3720f629: X509.rsa 3720f629 []
                12050965 I------     1 perm 1f030000     0     0 asymmetri benh@debian.org: 577e021cb980e0e820821ba7b54b4961b8b4fadf: X509.rsa []
                1381291c I------     2 perm 1f0b0000     0     0 keyring   .builtin_trusted_keys: 1
                """);
        CliRun foreseen = run("apply");
        assertThat(foreseen.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(foreseen.err()).contains("has no key of 'fleet', who signed " + MODULE).contains("mokutil --import");
        assertThat(actions).as("foreseen before insmod").isEmpty();

        // a kernel that holds the key (so klp4j cannot tell) but refuses it anyway: insmod's refusal, named
        Files.writeString(root.resolve("proc/keys"), "04b67aa1 I------     1 perm 1f030000     0     0 asymmetri fleet: 61c038651aabdcf9: X509.rsa []\n");
        insmodError = "insmod: ERROR: could not insert module " + MODULE + ".ko: Key was rejected by service";
        CliRun apply = run("apply");
        assertThat(apply.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(apply.err()).contains("does not trust the key that signed " + MODULE).contains("mokutil --import");
        assertThat(run("status", "--json").out()).contains("\"state\" : \"key-rejected\"");
        insmodError = null;
        assertThat(run("apply").exit()).as("a rejected key is no crash: the next try loads it").isZero();
        assertThat(statusJson().get("state").asText()).isEqualTo("applied");
    }
}
