package dev.klp4j.packaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `make install` puts the launcher where the systemd unit runs it, and the jar where the launcher looks. */
class InstallScriptTest {
    @TempDir Path tmp;

    @Test
    void installsJarLauncherAndUnitThatAgree() throws Exception {
        Path jar = Files.writeString(tmp.resolve("fake.jar"), "jar");
        Path dest = tmp.resolve("root");
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/install.sh", dest.toString());
        pb.environment().put("JAR", jar.toString());
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();

        assertThat(dest.resolve("usr/lib/klp4j/klp4j.jar")).hasContent("jar");
        Path launcher = dest.resolve("usr/bin/klp4j");
        assertThat(Files.getPosixFilePermissions(launcher)).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.readString(launcher)).contains("-jar /usr/lib/klp4j/klp4j.jar");
        String unit = Files.readString(dest.resolve("lib/systemd/system/klp4j.service"));
        assertThat(unit).contains("ExecStart=/usr/bin/klp4j load --installed").contains("WantedBy=multi-user.target");
        assertThat(dest.resolve("var/lib/klp4j")).isDirectory();
    }

    @Test
    void refusesWithoutAJar() {
        Proc.Result r = Proc.run("env", "JAR=" + tmp.resolve("missing.jar"), "bash", "scripts/install.sh", tmp.resolve("r").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("install: " + tmp.resolve("missing.jar") + " not found: run 'make build' first");
        assertThat(tmp.resolve("r")).doesNotExist();
    }
}
