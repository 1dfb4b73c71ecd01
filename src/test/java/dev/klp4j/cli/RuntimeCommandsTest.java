package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import com.fasterxml.jackson.databind.JsonNode;
import dev.klp4j.kernel.FakeModules;
import dev.klp4j.runtime.KernelOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The runtime commands end to end against a fake sysfs tree and a scripted kernel. */
class RuntimeCommandsTest {
    static final String R = "6.1.0-56-amd64";
    @TempDir Path tmp;
    Path root;
    Path store;
    final List<String> actions = new ArrayList<>();

    /** A kernel whose transitions finish at once: the fake of runtime's tests is package-private. */
    final class InstantKernel implements KernelOps {
        long now;

        @Override public void insmod(Path module) {
            String name = dev.klp4j.kernel.ModuleInfo.read(module).name();
            actions.add("insmod " + name);
            try {
                Files.createDirectories(root.resolve("sys/module/" + name));
                Path d = root.resolve("sys/kernel/livepatch/" + name);
                Files.createDirectories(d.resolve("vmlinux/cmdline_proc_show,1"));
                Files.writeString(d.resolve("enabled"), "1\n");
                Files.writeString(d.resolve("transition"), "0\n");
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override public void rmmod(String name) {
            actions.add("rmmod " + name);
            try {
                Files.deleteIfExists(root.resolve("sys/module/" + name));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override public void write(Path attribute, String value) {
            actions.add("write " + attribute.getParent().getFileName() + "/" + attribute.getFileName() + " " + value);
            try (var s = Files.walk(attribute.getParent())) {
                for (Path p : s.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) Files.delete(p);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override public long millis() { return now; }
        @Override public void sleep(long millis) { now += millis; }
    }

    CliRun run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--root", root.toString(), "--store", store.toString()));
        return CliRun.of(all.toArray(String[]::new));
    }

    @BeforeEach
    void setUp() throws IOException {
        root = tmp.resolve("root");
        store = tmp.resolve("store");
        Files.createDirectories(root.resolve("sys/kernel/livepatch"));
        Files.createDirectories(root.resolve("sys/module"));
        Files.createDirectories(root.resolve("proc/sys/kernel"));
        Files.writeString(root.resolve("proc/sys/kernel/osrelease"), R + "\n");
        RuntimeOptions.OPS.set(new InstantKernel());
    }

    @AfterEach
    void tearDown() {
        RuntimeOptions.OPS.remove();
    }

    @Test
    void loadListInfoUnloadWithJson() throws Exception {
        Path ko = FakeModules.livepatch(tmp, "livepatch_cmdline", R);
        CliRun load = run("load", ko.toString(), "--json");
        assertThat(load.exit()).as(load.err()).isZero();
        JsonNode j = Json.mapper().readTree(load.out());
        assertThat(j.get("name").asText()).isEqualTo("livepatch_cmdline");
        assertThat(j.get("transitionMs").asLong()).isZero();

        CliRun list = run("list", "--json");
        JsonNode l = Json.mapper().readTree(list.out());
        assertThat(l.get("release").asText()).isEqualTo(R);
        assertThat(l.get("patches").get(0).get("name").asText()).isEqualTo("livepatch_cmdline");
        assertThat(l.get("patches").get(0).get("enabled").asBoolean()).isTrue();
        assertThat(l.get("patches").get(0).get("installed").asBoolean()).isFalse();

        CliRun info = run("info", "livepatch_cmdline");
        assertThat(info.out()).contains("livepatch_cmdline: enabled, transition finished", "object vmlinux", "cmdline_proc_show (sympos 1)");

        CliRun unload = run("unload", "livepatch_cmdline");
        assertThat(unload.exit()).as(unload.err()).isZero();
        assertThat(unload.out()).startsWith("unloaded livepatch_cmdline");
        assertThat(actions).containsExactly("insmod livepatch_cmdline", "write livepatch_cmdline/enabled 0", "rmmod livepatch_cmdline");
    }

    @Test
    void kpatchSpellingsUnloadByFileAndEverything() throws Exception {
        Path a = FakeModules.livepatch(tmp, "patch_a", R), b = FakeModules.livepatch(tmp, "patch_b", R);
        assertThat(run("load", a.toString()).exit()).isZero();
        assertThat(run("load", b.toString()).exit()).isZero();
        CliRun byFile = run("unload", b.toString());
        assertThat(byFile.exit()).as(byFile.err()).isZero();
        assertThat(byFile.out()).startsWith("unloaded patch_b");
        assertThat(run("unload", "gone/patch-a.ko").out()).as("a file that is gone: kbuild's name").startsWith("unloaded patch_a");

        assertThat(run("load", a.toString()).exit()).isZero();
        assertThat(run("load", b.toString()).exit()).isZero();
        actions.clear();
        CliRun all = run("unload", "--all", "--json");
        assertThat(all.exit()).as(all.err()).isZero();
        assertThat(Json.mapper().readTree(all.out()).get("unloaded")).extracting(n -> n.get("name").asText())
                .containsExactlyInAnyOrder("patch_a", "patch_b");
        assertThat(actions).contains("rmmod patch_a", "rmmod patch_b");
        assertThat(run("unload", "--all").out().strip()).isEqualTo("no livepatch is loaded");
        CliRun both = run("unload", "--all", "patch_a");
        assertThat(both.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(run("load", "--all").out()).as("--all is --installed").contains("no installed patches to load");
    }

    @Test
    void vermagicMismatchIsOneLineExit2AndNothingOnStdout() throws Exception {
        Path ko = FakeModules.livepatch(tmp, "old_patch", "5.10.0-28-amd64");
        CliRun r = run("load", ko.toString());
        assertThat(r.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(r.out()).isEmpty();
        assertThat(r.err().trim()).doesNotContain("\n").startsWith("klp4j: ").contains("built for kernel 5.10.0-28-amd64")
                .contains("rebuild the patch for " + R);
        assertThat(actions).isEmpty();
    }

    @Test
    void missingFilesAndLivepatchSupportAreNamed() throws Exception {
        CliRun r = run("load", tmp.resolve("nope.ko").toString());
        assertThat(r.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(r.err()).contains("nope.ko: no such file");

        Files.delete(root.resolve("sys/kernel/livepatch"));
        // A missing module is named first even on a kernel without livepatch support.
        CliRun missing = run("load", tmp.resolve("typo.ko").toString());
        assertThat(missing.err().strip()).isEqualTo("klp4j: " + tmp.resolve("typo.ko") + ": no such file (give a built .ko)");
        CliRun l = run("list");
        assertThat(l.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(l.err()).contains("no livepatch support");
        assertThat(l.out()).isEmpty();
    }

    @Test
    void installedPatchesLoadInInstallOrderSkippingLoadedOnes() throws Exception {
        Path b = FakeModules.livepatch(tmp, "patch_b", R);
        Path a = FakeModules.livepatch(tmp, "patch_a", R);
        assertThat(run("install", b.toString()).exit()).isZero();
        CliRun ia = run("install", a.toString(), "--json");
        assertThat(Json.mapper().readTree(ia.out()).get("release").asText()).isEqualTo(R);
        assertThat(run("install", a.toString()).err()).contains("already installed");

        assertThat(run("load", b.toString()).exit()).isZero();
        actions.clear();
        CliRun boot = run("load", "--installed");
        assertThat(boot.exit()).as(boot.err()).isZero();
        assertThat(actions).containsExactly("insmod patch_a");

        CliRun list = run("list");
        assertThat(list.out()).contains("patch_b", "yes (#1)", "patch_a", "yes (#2)");
        CliRun un = run("uninstall", "patch_a");
        assertThat(un.out()).contains("uninstalled patch_a for " + R, "still loaded");
    }

    @Test
    void signalWithNoTransitionSaysSo() {
        CliRun r = run("signal");
        assertThat(r.exit()).isZero();
        assertThat(r.out().trim()).isEqualTo("no livepatch transition in progress");
    }

    @Test
    void badTimeoutIsAUsageError() throws Exception {
        Path ko = FakeModules.livepatch(tmp, "livepatch_cmdline", R);
        CliRun r = run("load", ko.toString(), "--timeout", "0");
        assertThat(r.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(r.err()).contains("--timeout must be a positive number");
        assertThat(actions).isEmpty();
    }
}
