package dev.klp4j.base;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A work directory goes away when closed, and when klp4j is killed (SIGTERM, as Ctrl-C's SIGINT). */
class WorkDirTest {
    /** Creates a work directory with a file in it, prints its path, and waits to be killed. */
    public static void main(String[] args) throws Exception {
        WorkDir dir = WorkDir.create("klp4j-workdir-test-");
        Files.writeString(dir.path().resolve("half-written"), "x");
        System.out.println(dir.path());
        System.out.flush();
        Thread.sleep(60_000);
    }

    @Test
    void aKilledProcessLeavesNoWorkDirectory() throws Exception {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), WorkDirTest.class.getName()).redirectErrorStream(true).start();
        Path dir;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            dir = Path.of(r.readLine());
            assertThat(dir.resolve("half-written")).exists();
            p.destroy(); // SIGTERM
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(dir).doesNotExist();
    }

    @Test
    void closingRemovesItAndKeepLeavesIt() throws Exception {
        WorkDir gone = WorkDir.create("klp4j-workdir-test-");
        Files.writeString(gone.path().resolve("f"), "x");
        gone.close();
        assertThat(gone.path()).doesNotExist();
        WorkDir kept = WorkDir.create("klp4j-workdir-test-");
        kept.keep();
        assertThat(kept.path()).isDirectory();
        FileTrees.deleteQuietly(kept.path());
    }
}
