package dev.klp4j.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.runtime.LivepatcherConstants;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The guest runs klp4j's Java runtime (chrooted into the host's root); its shell twin of
 * dev.klp4j.runtime.Livepatcher is the fallback: keep them in step.
 */
class GuestRuntimeScriptTest {
    @TempDir Path tmp;

    static String script(String name) throws IOException {
        return new String(GuestImage.resource(name), StandardCharsets.UTF_8);
    }

    @Test
    void pollingAndStallIntervalsMatchTheJavaRuntime() throws IOException {
        String s = script("klp4j-guest.sh");
        assertThat(s).contains("POLL_US=" + LivepatcherConstants.POLL_MS * 1000 + "\n");
        assertThat(s).contains("stall=$((limit / 4)); [ $stall -gt " + LivepatcherConstants.MAX_STALL_MS
                + " ] && stall=" + LivepatcherConstants.MAX_STALL_MS);
        // the same sysfs steps: reverse by writing 0 to enabled, signal where the kernel has the attribute
        assertThat(s).contains("echo 0 > \"$LP/$name/enabled\"").contains("echo 1 > \"$LP/$name/signal\"");
    }

    @Test
    void busyboxParsesTheGuestScripts() throws Exception {
        for (String name : new String[] {"klp4j-guest.sh", "init.sh"}) {
            Path f = Files.write(tmp.resolve(name), GuestImage.resource(name));
            Process p = new ProcessBuilder(GuestImage.busybox().toString(), "sh", "-n", f.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(name + ": " + out).isZero();
        }
    }

    /** The script's own modname() function, run by busybox as the guest runs it. */
    private String modname(Path ko) throws Exception {
        String script = script("klp4j-guest.sh");
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?ms)^modname\\(\\) \\{.*?^\\}$").matcher(script);
        assertThat(m.find()).as("klp4j-guest.sh defines modname()").isTrue();
        Path f = Files.writeString(tmp.resolve("modname.sh"), m.group() + "\nmodname \"$1\"\n");
        Process p = new ProcessBuilder(GuestImage.busybox().toString(), "sh", f.toString(), ko.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out.strip();
    }

    @Test
    void withoutModinfoTheTwinUnloadsTheModuleByItsNameNotItsFiles() throws Exception {
        // A guest without the host's modules (Debian 13's cloud kernel has no 9p): busybox modinfo
        // cannot run, and the name comes from the file GuestImage wrote, NN-NAME.ko.
        Path ko = Files.writeString(tmp.resolve("01-klp4j_cl13.ko"), "not read");
        assertThat(modname(ko)).isEqualTo("klp4j_cl13");
        assertThat(modname(Files.writeString(tmp.resolve("02-livepatch-stall.ko"), "x"))).isEqualTo("livepatch_stall");
    }

    /** Runs {@code body} with busybox after the script's own definitions of {@code functions}. */
    private String runFunctions(String body, String... functions) throws Exception {
        String script = script("klp4j-guest.sh");
        StringBuilder sh = new StringBuilder("proto() { echo \"KLP4J $*\"; }\n");
        for (String fn : functions) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?ms)^" + fn + "\\(\\) \\{.*?^\\}$").matcher(script);
            assertThat(m.find()).as("klp4j-guest.sh defines " + fn + "()").isTrue();
            sh.append(m.group()).append('\n');
        }
        Path f = Files.writeString(tmp.resolve("fn.sh"), sh + body + "\n");
        Process p = new ProcessBuilder(GuestImage.busybox().toString(), "sh", f.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void theTwinNamesThePatchedFunctionEachBlockingTaskSleepsIn() throws Exception {
        // the patch's sysfs tree names what it replaces: OBJECT/FUNC,SYMPOS
        Path lp = tmp.resolve("livepatch");
        Files.createDirectories(lp.resolve("klp4j_update/vmlinux/nfsd4_open,1"));
        Files.createDirectories(lp.resolve("klp4j_update/vmlinux/cmdline_proc_show,0"));
        Files.createDirectories(lp.resolve("klp4j_update/xfs/xfs_stats_format,1"));
        // blocking_tasks' output for three tasks: one in xfs's patched function under the scheduler,
        // one in no patched function, one in vmlinux's
        Path tasks = Files.writeString(tmp.resolve("tasks"), String.join("\n",
                "blocking task 12 kworker/0:1", "    [<0>] __schedule+0x2c5/0x870", "    [<0>] schedule+0x5a/0xd0",
                "    [<0>] xfs_stats_format+0x1d/0x30 [xfs]", "    [<0>] kthread+0xe8/0x110",
                "blocking task 40 sh", "    [<0>] do_wait+0x160/0x2f0",
                "blocking task 77 nfsd", "    [<0>] __schedule+0x2c5/0x870", "    [<0>] nfsd4_open+0x1d/0x30 [nfsd]", ""));
        String out = runFunctions("LP=" + lp + "\nblocking_tasks() { cat " + tasks + "; }\nheld_by 0 klp4j_update", "held_by");
        assertThat(out.strip()).isEqualTo("task 12 (kworker/0:1) in [<0>] xfs_stats_format+0x1d/0x30 [xfs], "
                + "77 (nfsd) in [<0>] nfsd4_open+0x1d/0x30 [nfsd], 40 (sh) in [<0>] do_wait+0x160/0x2f0");
    }

    @Test
    void eachStallOfTheJavaRuntimeIsReportedWithTheTasksItNamed() throws Exception {
        // what 'klp4j unload' writes to stderr when a transition stalls twice (dev.klp4j.runtime.Livepatcher)
        Path err = Files.writeString(tmp.resolve("junload.err"), String.join("\n",
                "klp4j: 'klp4j_update': transition stalled after 2000 ms; blocking tasks: task 12 (kworker/0:1) in"
                        + " [<0>] xfs_stats_format+0x1d/0x30 [xfs], 77 (nfsd) in [<0>] nfsd4_open+0x1d/0x30 [nfsd]; this kernel"
                        + " signals them itself (no klp4j_update/signal since Linux 5.1)",
                "klp4j:   12 kworker/0:1:", "klp4j:       [<0>] __schedule+0x2c5/0x870", "klp4j:   77 nfsd:",
                "klp4j:       [<0>] nfsd4_open+0x1d/0x30 [nfsd]",
                "klp4j: 'klp4j_update': transition stalled after 4010 ms; blocking tasks: task 77 (nfsd) in"
                        + " [<0>] nfsd4_open+0x1d/0x30 [nfsd]; signalling them",
                "klp4j:   77 nfsd:", "klp4j:       [<0>] nfsd4_open+0x1d/0x30 [nfsd]",
                "klp4j: 'klp4j_update': unpatched and unloaded", ""));
        String out = runFunctions("java_stalls klp4j_update " + err + "\necho \"held: $(java_held " + err + ")\"",
                "java_stalls", "java_held");
        GuestReport r = new GuestReport();
        out.lines().forEach(r::accept);
        assertThat(r.stalls()).containsExactly(
                new GuestReport.Stall("klp4j_update", 2, "task 12 (kworker/0:1) in [<0>] xfs_stats_format+0x1d/0x30 [xfs],"
                        + " 77 (nfsd) in [<0>] nfsd4_open+0x1d/0x30 [nfsd]"),
                new GuestReport.Stall("klp4j_update", 1, "task 77 (nfsd) in [<0>] nfsd4_open+0x1d/0x30 [nfsd]"));
        assertThat(out).contains("held: task 77 (nfsd) in [<0>] nfsd4_open+0x1d/0x30 [nfsd]\n");
        assertThat(runFunctions("echo \"held: $(java_held /dev/null)\"", "java_held").strip()).isEqualTo("held:");
    }

    @Test
    void theGuestFileOfAModuleIsNamedAsTheKernelWillRegisterIt() throws Exception {
        Path ko = dev.klp4j.kernel.FakeModules.livepatch(tmp, "my_patch", "6.1.0-56-amd64");
        Path renamed = Files.move(ko, tmp.resolve("my-patch-v2.ko"));
        assertThat(GuestImage.moduleName(renamed)).isEqualTo("my_patch");
        assertThat(GuestImage.moduleName(Files.writeString(tmp.resolve("junk.ko"), "x"))).isEqualTo("junk");
    }

    @Test
    void theGuestRuntimeRefusesUnknownCommands() throws Exception {
        Path f = Files.write(tmp.resolve("g.sh"), GuestImage.resource("klp4j-guest.sh"));
        Process p = new ProcessBuilder(GuestImage.busybox().toString(), "sh", f.toString(), "bogus")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).startsWith("usage: klp load X.ko");
    }

    @Test
    void theGuestRunsTheJavaRuntimeFromTheHostsClassPath() throws Exception {
        String s = script("klp4j-guest.sh");
        assertThat(s).contains("-Xint -XX:+UseSerialGC")
                .contains("chroot \"$HOST\"").contains("dev.klp4j.cli.Main")
                .contains("jklp load \"/run/klp4j/patches/").contains("jklp unload \"$name\"").contains("jklp info \"$n\" --json");
        // every class path entry exists on the host (the guest sees it at the same path), and one
        // of them holds klp4j's CLI: target/classes when run from a build, else the jar
        String cp = GuestImage.javaClassPath();
        assertThat(cp).isNotEmpty();
        boolean hasMain = false;
        for (String e : cp.split(":")) {
            Path p = Path.of(e);
            assertThat(p).exists();
            if (Files.isDirectory(p)) hasMain |= Files.exists(p.resolve("dev/klp4j/cli/Main.class"));
            else try (var z = new java.util.zip.ZipFile(p.toFile())) { hasMain |= z.getEntry("dev/klp4j/cli/Main.class") != null; }
        }
        assertThat(hasMain).as(cp).isTrue();
        assertThat(cp).contains("picocli");
        assertThat(Path.of(GuestImage.javaBinary())).isExecutable();
        assertThat(GuestImage.shellQuote("a'b")).isEqualTo("'a'\\''b'");
    }

    @Test
    void initMountsTheHostRootAsTheJavaRuntimesChroot() throws Exception {
        String init = script("init.sh");
        assertThat(init).contains("\"$HOSTROOT_TAG\" /host").contains("mount -t proc proc /host/proc")
                .contains("mount -t sysfs sys /host/sys").contains("mount --bind /dev /host/dev")
                .contains("mount -t tmpfs run /host/run");
    }
}
