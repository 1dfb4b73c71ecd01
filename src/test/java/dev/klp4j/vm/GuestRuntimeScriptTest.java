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

/** The guest runtime is the shell twin of dev.klp4j.runtime.Livepatcher: keep them in step. */
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
}
