package dev.klp4j.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.kernel.FakeModules;
import dev.klp4j.base.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LivepatcherTest {
    static final String RELEASE = "6.1.0-56-amd64";

    @TempDir Path tmp;
    FakeKernel kernel;
    Path ko;
    final List<String> log = new ArrayList<>();
    Livepatcher lp;

    @BeforeEach
    void setUp() throws IOException {
        kernel = new FakeKernel(tmp.resolve("root"), RELEASE);
        Files.createDirectories(tmp.resolve("ko"));
        ko = FakeModules.livepatch(tmp.resolve("ko"), "livepatch_cmdline", RELEASE);
        lp = new Livepatcher(kernel.sys, kernel, log::add);
    }

    @Test
    void loadWaitsForTheTransitionToFinish() throws IOException {
        kernel.switchAfterMs = 50;
        Livepatcher.Loaded l = lp.load(ko, 10_000);

        assertThat(l.name()).isEqualTo("livepatch_cmdline");
        assertThat(l.transitionMillis()).isBetween(50L, 70L);
        assertThat(l.stalls()).isEmpty();
        assertThat(kernel.actions).containsExactly("insmod livepatch_cmdline");
        assertThat(Files.readString(kernel.sys.patch("livepatch_cmdline").resolve("transition")).trim()).isEqualTo("0");
        assertThat(kernel.patchState(300)).isEqualTo(-1);
    }

    @Test
    void aStallNamesTheBlockingTasksAndSignalsThem() throws IOException {
        kernel.task(4242, "stuck-reader", true);
        Livepatcher.Loaded l = lp.load(ko, 20_000);

        assertThat(l.stalls()).hasSize(1);
        assertThat(l.stalls().get(0)).extracting(BlockingTask::pid).containsExactly(4242);
        assertThat(l.stalls().get(0).get(0).comm()).isEqualTo("stuck-reader");
        assertThat(l.stalls().get(0).get(0).stack().get(0)).contains("cmdline_proc_show");
        assertThat(l.signals()).isEqualTo(1);
        assertThat(kernel.actions).containsExactly("insmod livepatch_cmdline", "write livepatch_cmdline/signal 1");
        // the stall is reported after the stall interval (2 s cap), with the task and its stack
        assertThat(l.transitionMillis()).isGreaterThanOrEqualTo(Livepatcher.MAX_STALL_MS);
        assertThat(String.join("\n", log)).contains("4242 (stuck-reader) in [<0>] cmdline_proc_show+0x10/0x30")
                .contains("signalling them");
    }

    @Test
    void aStallNamesThePatchedFunctionATaskSleepsInNotTheSchedulerAtItsTop() throws IOException {
        kernel.signalFreesStuck = false;
        kernel.task(4242, "stuck-reader", true);
        // a sleeping task's stack starts in the scheduler; the transition waits for the patched function below
        Path stack = kernel.root.resolve("proc/4242/task/4242/stack");
        Files.writeString(stack, "[<0>] __schedule+0x2c5/0x870\n[<0>] schedule+0x5a/0xd0\n" + Files.readString(stack));
        kernel.task(4343, "idle-reader", false);

        assertThatThrownBy(() -> lp.load(ko, 3_000)).isInstanceOf(Failure.class)
                .hasMessageContaining("blocked by task 4242 (stuck-reader) in [<0>] cmdline_proc_show+0x10/0x30)");
        assertThat(String.join("\n", log)).contains("blocking tasks: task 4242 (stuck-reader) in [<0>] cmdline_proc_show+0x10/0x30;");
        assertThat(lp.blockingTasks(1)).isEmpty();
    }

    @Test
    void aFrameNamesItsFunction() {
        assertThat(BlockingTask.function("[<0>] stall_loop+0x1d/0x30 [klp4j_stall_helper]")).isEqualTo("stall_loop");
        assertThat(BlockingTask.function("  [<0>] nfsd4_open.isra.0+0x1d/0x30")).isEqualTo("nfsd4_open.isra.0");
        assertThat(BlockingTask.function("vfs_read+0x1a0/0x2c0")).isEqualTo("vfs_read");
    }

    @Test
    void withoutASignalAttributeTheKernelIsLeftToSignal() throws IOException {
        kernel.signalAttribute = false;
        kernel.signalFreesStuck = false;
        kernel.task(77, "sleeper", true);
        assertThatThrownBy(() -> lp.load(ko, 3_000)).isInstanceOf(Failure.class);
        assertThat(kernel.actions).noneMatch(a -> a.contains("/signal"));
        assertThat(String.join("\n", log)).contains("this kernel signals them itself");
    }

    @Test
    void aTimeoutReversesTheTransitionAndUnloadsLeavingTheSystemAsBefore() throws IOException {
        kernel.signalFreesStuck = false;
        kernel.task(4242, "stuck-reader", true);

        assertThatThrownBy(() -> lp.load(ko, 5_000))
                .isInstanceOf(Failure.class)
                .satisfies(e -> assertThat(((Failure) e).kind()).isEqualTo(Failure.Kind.FAILED))
                .hasMessageContaining("did not finish in 5.0 s")
                .hasMessageContaining("4242 (stuck-reader)")
                .hasMessageContaining("reversed and unloaded");
        assertThat(kernel.actions).containsSubsequence("insmod livepatch_cmdline",
                "write livepatch_cmdline/enabled 0", "rmmod livepatch_cmdline");
        assertThat(kernel.sys.patch("livepatch_cmdline")).doesNotExist();
        assertThat(kernel.sys.module("livepatch_cmdline")).doesNotExist();
        for (int pid : kernel.tasks.keySet()) assertThat(kernel.patchState(pid)).isEqualTo(-1);
    }

    @Test
    void aStuckReversalLeavesThePatchLoadedAndSaysSo() throws IOException {
        kernel.signalFreesStuck = false;
        kernel.stuckBothWays = true;
        kernel.task(4242, "stuck-reader", true);

        assertThatThrownBy(() -> lp.load(ko, 2_000))
                .hasMessageContaining("the reverse transition is stuck too")
                .hasMessageContaining("4242 (stuck-reader)")
                .hasMessageContaining("the patch stays loaded");
        assertThat(kernel.actions).noneMatch(a -> a.startsWith("rmmod"));
        assertThat(kernel.sys.module("livepatch_cmdline")).exists();
    }

    @Test
    void anUnloadThatCannotFinishKeepsThePatchAndNamesTheBlocker() throws IOException {
        lp.load(ko, 1000);
        kernel.signalFreesStuck = false;
        kernel.stuckBothWays = true;
        kernel.task(99, "busy", true);
        assertThatThrownBy(() -> lp.unload("livepatch_cmdline", 1000))
                .hasMessageContaining("unpatching transition did not finish")
                .hasMessageContaining("99 (busy)");
        assertThat(kernel.actions).noneMatch(a -> a.startsWith("rmmod"));
    }

    @Test
    void aModuleForAnotherKernelIsRefusedBeforeInsmod() throws IOException {
        Path other = FakeModules.livepatch(tmp.resolve("ko"), "old_patch", "5.10.0-28-amd64");
        assertThatThrownBy(() -> lp.load(other, 1000))
                .isInstanceOf(Failure.class)
                .hasMessageContaining("built for kernel 5.10.0-28-amd64")
                .hasMessageContaining("running kernel is " + RELEASE)
                .hasMessageContaining("vermagic");
        assertThat(kernel.actions).isEmpty();
    }

    @Test
    void aKernelWithoutLivepatchIsNamed() throws IOException {
        Files.delete(kernel.sys.livepatchDir());
        assertThatThrownBy(() -> lp.load(ko, 1000)).hasMessageContaining("no livepatch support")
                .hasMessageContaining("CONFIG_LIVEPATCH");
        assertThat(kernel.actions).isEmpty();
    }

    @Test
    void aNameClashIsRefused() throws IOException {
        lp.load(ko, 1000);
        kernel.actions.clear();
        assertThatThrownBy(() -> lp.load(ko, 1000)).hasMessageContaining("already loaded (name clash)");
        assertThat(kernel.actions).isEmpty();
    }

    @Test
    void aModuleThatIsNoLivepatchIsRefused() throws IOException {
        Path plain = FakeModules.module(tmp.resolve("ko"), "plain", RELEASE, false);
        assertThatThrownBy(() -> lp.load(plain, 1000)).hasMessageContaining("not a livepatch module");
    }

    @Test
    void unloadDisablesWaitsAndRemoves() throws IOException {
        lp.load(ko, 1000);
        kernel.actions.clear();
        Livepatcher.Unloaded u = lp.unload("livepatch_cmdline", 1000);

        assertThat(u.transitionMillis()).isGreaterThanOrEqualTo(kernel.switchAfterMs);
        assertThat(kernel.actions).containsExactly("write livepatch_cmdline/enabled 0", "rmmod livepatch_cmdline");
        assertThat(kernel.sys.module("livepatch_cmdline")).doesNotExist();
        assertThatThrownBy(() -> lp.unload("livepatch_cmdline", 1000)).hasMessageContaining("is not loaded");
    }

    @Test
    void aPermanentModuleIsUnpatchedAndLeftLoadedNotRemoved() throws IOException {
        lp.load(ko, 1000);
        // built without an exit function (it carries tables): /proc/modules says so
        Files.writeString(kernel.root.resolve("proc/modules"), "klp4j_other 16384 0 - Live 0x0 (K)\n"
                + "livepatch_cmdline 16384 0 [permanent], Live 0x0 (K)\n");
        kernel.actions.clear();
        Livepatcher.Unloaded u = lp.unload("livepatch_cmdline", 1000);

        assertThat(u.moduleKept()).isTrue();
        assertThat(kernel.actions).containsExactly("write livepatch_cmdline/enabled 0");
        assertThat(kernel.sys.patch("livepatch_cmdline")).doesNotExist();
        assertThat(kernel.sys.module("livepatch_cmdline")).exists();
        assertThat(log).anyMatch(l -> l.contains("stays loaded until the next boot"));
        assertThat(lp.permanent("klp4j_other")).isFalse();
        // loading it again: said as it is, not as a name clash to unload
        assertThatThrownBy(() -> lp.load(ko, 1000)).hasMessageContaining("is permanent").hasMessageContaining("another name");
    }

    @Test
    void infoAndListReadTheSysfsTree() throws IOException {
        lp.load(ko, 1000);
        PatchStatus s = lp.info("livepatch_cmdline");
        assertThat(s.enabled()).isTrue();
        assertThat(s.inTransition()).isFalse();
        assertThat(s.objects()).singleElement().satisfies(o -> {
            assertThat(o.name()).isEqualTo("vmlinux");
            assertThat(o.patched()).isTrue();
            assertThat(o.functions()).containsExactly(new PatchStatus.PatchedFunction("cmdline_proc_show", 1));
        });
        assertThat(lp.list()).extracting(PatchStatus::name).containsExactly("livepatch_cmdline");
        assertThatThrownBy(() -> lp.info("nope")).hasMessageContaining("no livepatch 'nope' is loaded");
    }

    @Test
    void signalWritesOnlyToPatchesInTransition() throws IOException {
        assertThat(lp.signal().signalled()).isEmpty();
        kernel.insmod(ko);   // leaves the transition running: no sleep happens
        Livepatcher.Signalled s = lp.signal();
        assertThat(s.signalled()).containsExactly("livepatch_cmdline");
        assertThat(kernel.actions).contains("write livepatch_cmdline/signal 1");
    }
}
