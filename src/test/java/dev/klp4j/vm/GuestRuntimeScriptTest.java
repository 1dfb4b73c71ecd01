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
