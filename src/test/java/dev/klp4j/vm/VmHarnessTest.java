package dev.klp4j.vm;

import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import com.fasterxml.jackson.databind.JsonNode;
import dev.klp4j.cli.Json;
import dev.klp4j.cli.ExitStatus;
import dev.klp4j.debian.KernelRelease;
import dev.klp4j.kernel.KernelTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real thing: builds the examples with the target kernel's kbuild and proves them in QEMU
 * through every phase (a patch to vmlinux, a patch to a module loaded with modprobe), then checks
 * that a stalled transition, a broken check, a hung guest and bad input fail the way they should.
 * About a minute on two shared cores.
 */
@Order(Integer.MAX_VALUE - 1) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("vm")
class VmHarnessTest {
    static final Path EXAMPLE = Path.of("examples/handwritten-cmdline");
    @TempDir static Path tmp;
    static Path ko;
    static Path vmTmp;
    static String release;

    static CliRun klp4j(String... args) {
        return CliRun.of(args);
    }

    @BeforeAll
    static void build() throws IOException {
        release = KernelRelease.defaultRelease();
        ko = KbuildModule.build(EXAMPLE, KernelTree.of(release), tmp.resolve("build"));
        vmTmp = Files.createDirectories(tmp.resolve("vmtmp"));
        VmHarness.TMP_ROOT.set(vmTmp);
    }

    @AfterAll
    static void reset() {
        VmHarness.TMP_ROOT.remove();
    }

    static List<String> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(vmTmp)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".log")).toList();
        }
    }

    @Test
    void theHandwrittenPatchPassesEveryPhase() throws Exception {
        Path log = tmp.resolve("serial.log");
        CliRun r = klp4j("vm", "test", "--module", ko.toString(), "--check", EXAMPLE.resolve("check.sh").toString(),
                "--json", "--log", log.toString(), "--timeout", "150");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode j = Json.mapper().readTree(r.out());
        assertThat(j.get("release").asText()).isEqualTo(release);
        assertThat(j.get("passed").asBoolean()).isTrue();
        List<String> phases = new ArrayList<>();
        for (JsonNode p : j.get("phases")) {
            assertThat(p.get("passed").asBoolean()).as(p.toString()).isTrue();
            phases.add(p.get("name").asText());
        }
        assertThat(phases).containsExactly("check-before", "load", "check-loaded", "unload", "check-after", "dmesg");
        // klp4j's own Java runtime loaded and unloaded the patch in the guest, against the real kernel
        assertThat(j.get("phases").get(1).get("detail").asText())
                .matches("klp4j load \\(Java runtime\\): 'livepatch_cmdline' transition complete in \\d+ ms .*");
        assertThat(j.get("phases").get(3).get("detail").asText())
                .startsWith("klp4j unload (Java runtime): 'livepatch_cmdline' unpatched in ");
        // and 'klp4j info livepatch_cmdline --json', run in the guest while it was loaded, saw it applied
        JsonNode info = j.get("info").get("livepatch_cmdline");
        assertThat(info.get("enabled").asBoolean()).isTrue();
        assertThat(info.get("transition").asBoolean()).isFalse();
        assertThat(info.get("objects").get(0).get("object").asText()).isEqualTo("vmlinux");
        assertThat(info.get("objects").get(0).get("functions").get(0).get("name").asText()).isEqualTo("cmdline_proc_show");
        // the check saw the patched /proc/cmdline print the marker
        assertThat(j.get("phases").get(2).get("detail").asText()).endsWith("klp4j_handwritten_cmdline=active");
        JsonNode t = j.get("transitions").get(0);
        assertThat(t.get("module").asText()).isEqualTo("livepatch_cmdline");
        assertThat(t.get("kind").asText()).isEqualTo("patching");
        assertThat(t.get("transitionMs").asDouble()).isGreaterThan(0).isLessThan(30_000);
        assertThat(j.get("transitions").get(1).get("kind").asText()).isEqualTo("unpatching");
        assertThat(Files.readString(log)).contains("shared from the host").contains("host root shared at /host (Java runtime)")
                .contains("klp4j: 'livepatch_cmdline': patched in ").contains("KLP4J result pass");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void withoutJavaInTheGuestTheShellTwinStandsInAndSaysSo() throws Exception {
        Qemu.SHARE_HOST_ROOT.set(false);
        try {
            CliRun r = klp4j("vm", "test", "--module", ko.toString(), "--check", EXAMPLE.resolve("check.sh").toString(),
                    "--timeout", "150");
            assertThat(r.exit()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("load          pass  klp4j load (shell runtime: no Java in the guest,"
                    + " the host root is not shared at /host): livepatch_cmdline")
                    .contains("unload        pass  klp4j unload (shell runtime: no Java in the guest,")
                    .contains("vm test: PASS, 6 phases held");
        } finally {
            Qemu.SHARE_HOST_ROOT.remove();
        }
    }

    @Test
    void aModuleRewrittenByTheElfLayerIsAcceptedByTheKernelsModuleLoader() throws Exception {
        // The ELF writer's output must load: rewrite the built .ko through the model and prove that copy.
        Path rewritten = tmp.resolve("rewritten/livepatch-cmdline.ko");
        Files.createDirectories(rewritten.getParent());
        CliRun w = klp4j("elf", "rewrite", ko.toString(), rewritten.toString());
        assertThat(w.exit()).as(w.err()).isZero();
        assertThat(Files.readAllBytes(rewritten)).isNotEqualTo(Files.readAllBytes(ko));
        // The busybox twin loads it: what is proven here is the module, and the Java runtime is proven above.
        CliRun r = klp4j("vm", "test", "--module", rewritten.toString(), "--check", EXAMPLE.resolve("check.sh").toString(),
                "--guest-runtime", "shell");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("check-loaded  pass").contains("vm test: PASS, 6 phases held");
    }

    @Test
    void aPatchToAModuleIsProvedThroughTheSharedModulesTree() throws Exception {
        Path xfs = Path.of("examples/handwritten-xfs");
        Path patch = KbuildModule.build(xfs, KernelTree.of(release), tmp.resolve("xfs-build"));
        CliRun r = klp4j("vm", "test", "--module", patch.toString(), "--check", xfs.resolve("check.sh").toString(),
                "--guest-runtime", "shell");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        // check-before could modprobe xfs from the host's /lib/modules, and found it unpatched
        assertThat(r.out()).contains("check-loaded  pass  check passes with the patches active: xfs patched by livepatch_xfs")
                .contains("check-after   pass").contains("transition    livepatch_xfs patching:")
                .contains("vm test: PASS, 6 phases held");
    }

    @Test
    void aCheckThatPassesWithoutThePatchFailsTheRun() throws Exception {
        Path check = Files.writeString(tmp.resolve("always.sh"), "#!/bin/sh\nexit 0\n");
        CliRun r = klp4j("vm", "test", "--module", ko.toString(), "--check", check.toString(), "--timeout", "150");
        assertThat(r.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(r.out()).contains("check-before  FAIL  check passed before any patch was loaded")
                .contains("check-after   FAIL  check still passes after unloading")
                .contains("guest dmesg since the sequence began:");
        assertThat(r.err().trim()).startsWith("klp4j: vm test failed: phase check-before failed").doesNotContain("\n");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aStalledTransitionNamesTheBlockerIsReversedAndLeavesTheSystemAsBefore() throws Exception {
        Path stall = Path.of("examples/stalled-transition");
        List<Path> kos = KbuildModule.buildAll(stall, KernelTree.of(release), tmp.resolve("stall-build"));
        assertThat(kos).extracting(p -> p.getFileName().toString())
                .containsExactly("klp4j-stall-helper.ko", "livepatch-stall.ko");
        Path log = tmp.resolve("stall.log");
        CliRun r = klp4j("vm", "test", "--module", kos.get(0).toString(), "--module", kos.get(1).toString(),
                "--check", stall.resolve("check.sh").toString(), "--load-timeout", "3", "--log", log.toString(),
                "--json");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(ExitStatus.FAILED);
        // the Java runtime's own verdict
        assertThat(r.err()).contains("phase load failed: 02-livepatch_stall.ko: 'livepatch_stall': the patching transition"
                + " did not finish in 3.0 s (blocked by task ").contains("klp4j_stall")
                .contains("reversed and unloaded it, the system is as before").contains("(klp4j load, Java runtime)");
        JsonNode j = Json.mapper().readTree(r.out());
        // Under load the kernel may not have switched every other task yet when the 3 s run out:
        // they are listed too, and the blocker must be among them.
        assertThat(j.get("blocked").get("livepatch_stall").asText().split(" ")).contains("klp4j_stall");
        assertThat(j.get("reversed").get(0).asText()).isEqualTo("livepatch_stall");
        // Every 750 ms of a 3 s wait, as often as a loaded machine lets the guest poll: at least once.
        assertThat(j.get("stalls").size()).isGreaterThanOrEqualTo(1);
        // each stall names the blocker in the function the patch replaces, not at its stack's top (the scheduler)
        assertThat(j.get("stalls").get(0).get("module").asText()).isEqualTo("livepatch_stall");
        assertThat(j.get("stalls").get(0).get("heldBy").asText())
                .containsPattern("\\(klp4j_stall\\) in \\[<0>\\] stall_loop\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[klp4j_stall_helper\\]");
        List<String> held = new ArrayList<>();
        for (JsonNode p : j.get("phases")) if (p.get("passed").asBoolean()) held.add(p.get("name").asText());
        // the helper was unloaded, the check still fails and dmesg is clean: the system is as before
        assertThat(held).containsExactly("check-before", "unload", "check-after", "dmesg");
        assertThat(String.join("\n", Json.mapper().convertValue(j.get("dmesg"), List.class)))
                .contains("'livepatch_stall': starting unpatching transition", "'livepatch_stall': unpatching complete");
        // the blocking task was named with its stack, which shows the function the patch replaces
        assertThat(Files.readString(log)).contains("klp4j_stall").containsPattern("stall_loop\\+0x[0-9a-f]+/0x[0-9a-f]+ \\[klp4j_stall_helper\\]");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aCheckThatHangsIsAFailureNotAnExpectedFailure() throws Exception {
        Path check = Files.writeString(tmp.resolve("hang.sh"), "#!/bin/sh\nsleep 600\n");
        CliRun r = klp4j("vm", "test", "--module", ko.toString(), "--check", check.toString(), "--load-timeout", "2",
                "--timeout", "150");
        assertThat(r.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(r.err()).contains("phase check-before failed: check did not finish in 2 s");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void aHungGuestIsKilledAtTheTimeout() throws Exception {
        long t0 = System.nanoTime();
        CliRun r = klp4j("vm", "test", "--module", ko.toString(), "--check", EXAMPLE.resolve("check.sh").toString(),
                "--timeout", "2");
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(20);
        assertThat(r.exit()).isEqualTo(ExitStatus.FAILED);
        assertThat(r.err()).contains("did not finish within its --timeout").contains("killed it").contains("serial log:");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void benchmarkReportsTransitionTimes() throws Exception {
        // The kernel's transition time is read from dmesg whichever runtime loads: the twin starts in no time.
        CliRun r = klp4j("bench", "transition", "--module", ko.toString(), "--runs", "2", "--guest-runtime", "shell", "--json");
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        JsonNode j = Json.mapper().readTree(r.out());
        assertThat(j.get("runs").asInt()).isEqualTo(2);
        assertThat(j.get("patchingMs").get("median").asDouble()).isGreaterThan(0);
        assertThat(j.get("unpatchingMs").get("max").asDouble()).isGreaterThan(0);
    }

    @Test
    void badInputIsRefusedBeforeBooting() throws Exception {
        Path bash = Files.writeString(tmp.resolve("bash.sh"), "#!/bin/bash\nexit 0\n");
        CliRun r = klp4j("vm", "test", "--module", ko.toString(), "--check", bash.toString());
        assertThat(r.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(r.err()).contains("only busybox").contains("#!/bin/sh");
        assertThat(r.out()).isEmpty();

        CliRun k = klp4j("vm", "test", "--kernel", "9.9.9-1-amd64", "--module", ko.toString(), "--check", bash.toString());
        assertThat(k.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(k.err()).contains("vmlinuz-9.9.9-1-amd64: no such file");

        CliRun m = klp4j("vm", "test", "--module", tmp.resolve("none.ko").toString(), "--check", bash.toString());
        assertThat(m.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(m.err()).contains("none.ko: no such file");
        assertThat(leftovers()).isEmpty();
    }
}
