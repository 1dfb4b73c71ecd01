package dev.klp4j.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A kill of klp4j ends the tools it runs: a make left compiling in the cached tree would race the
 * next build of that tree. (Ctrl-C's SIGINT reaches the whole process group; SIGTERM only the JVM.)
 */
class ToolCleanupTest {
    /** Runs a long tool, as a make is, and says when it started. */
    public static void main(String[] args) {
        new Thread(() -> Exec.run(Path.of("/"), List.of("sh", "-c", "sleep 300; echo done"))).start();
        System.out.println("started");
        System.out.flush();
    }

    @Test
    void aKilledKlp4jLeavesNoToolRunning() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), ToolCleanupTest.class.getName()).redirectErrorStream(true).start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertThat(r.readLine()).isEqualTo("started");
            Optional<ProcessHandle> sleep = Optional.empty();
            for (int i = 0; i < 100 && sleep.isEmpty(); i++) {
                Thread.sleep(100);
                sleep = p.descendants().filter(h -> h.info().command().orElse("").endsWith("sleep")).findFirst();
            }
            assertThat(sleep).as("the tool runs").isPresent();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(sleep.get().onExit().get(20, TimeUnit.SECONDS).isAlive()).isFalse();
        }
    }
}
