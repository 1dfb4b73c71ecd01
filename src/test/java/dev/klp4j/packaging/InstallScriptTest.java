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
        // The docs are made by running klp4j: these classes, as the installed jar would.
        pb.environment().put("KLP4J_CMD", "java -cp " + System.getProperty("java.class.path") + " dev.klp4j.cli.Main");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isZero();

        assertThat(dest.resolve("usr/lib/klp4j/klp4j.jar")).hasContent("jar");
        Path launcher = dest.resolve("usr/bin/klp4j");
        assertThat(Files.getPosixFilePermissions(launcher)).contains(PosixFilePermission.OWNER_EXECUTE);
        assertThat(Files.readString(launcher)).contains("-jar /usr/lib/klp4j/klp4j.jar");
        String unit = Files.readString(dest.resolve("lib/systemd/system/klp4j.service"));
        assertThat(unit).contains("ExecStart=-/usr/bin/klp4j load --installed").contains("ExecStart=/usr/bin/klp4j apply").contains("WantedBy=sysinit.target");
        assertThat(dest.resolve("var/lib/klp4j")).isDirectory();

        // man klp4j: one section per command, from its own --help
        Proc.Result man = Proc.run("sh", "-c", "zcat " + dest.resolve("usr/share/man/man1/klp4j.1.gz") + " | man -l -P cat - 2>/dev/null");
        assertThat(man.out()).contains("klp4j - build, prove and load Linux kernel live patches", "klp4j update",
                "--cluster=distcc|icecream", "EXIT STATUS").doesNotContain("generate-completion");
        // bash completion of every command and its options
        String completion = Files.readString(dest.resolve("usr/share/bash-completion/completions/klp4j"));
        assertThat(completion).contains("complete -F _complete_klp4j", "_picocli_klp4j_update", "--guest-runtime");
    }

    @Test
    void refusesWithoutAJar() {
        Proc.Result r = Proc.run("env", "JAR=" + tmp.resolve("missing.jar"), "bash", "scripts/install.sh", tmp.resolve("r").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("install: " + tmp.resolve("missing.jar") + " not found: run 'make build' first");
        assertThat(tmp.resolve("r")).doesNotExist();
    }

    @Test
    void makeDebPackagesWhatMakeInstallPutsWithAUnitItEnables() throws Exception {
        Path jar = Files.writeString(tmp.resolve("fake.jar"), "jar");
        ProcessBuilder pb = new ProcessBuilder("bash", "scripts/make-deb.sh", tmp.resolve("out").toString());
        pb.environment().put("JAR", jar.toString());
        pb.environment().put("KLP4J_CMD", "java -cp " + System.getProperty("java.class.path") + " dev.klp4j.cli.Main");
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertThat(p.waitFor()).as(out).isZero();
        Path deb = Path.of(out.lines().reduce((a, b) -> b).orElseThrow());
        assertThat(deb.getFileName().toString()).matches("klp4j_[0-9.]+_all\\.deb");
        Proc.Result fields = Proc.run("dpkg-deb", "-f", deb.toString(), "Package", "Architecture", "Depends");
        assertThat(fields.out()).contains("Package: klp4j", "Architecture: all", "Depends: default-jre-headless (>= 2:1.17)");
        Proc.Result files = Proc.run("dpkg-deb", "-c", deb.toString());
        assertThat(files.out()).contains("./usr/bin/klp4j", "./usr/lib/klp4j/klp4j.jar", "./lib/systemd/system/klp4j.service",
                "./usr/share/man/man1/klp4j.1.gz").contains("root/root");
        Path ctl = tmp.resolve("ctl");
        assertThat(Proc.run("dpkg-deb", "-e", deb.toString(), ctl.toString()).exit()).isZero();
        assertThat(Files.readString(ctl.resolve("postinst"))).contains("systemctl enable klp4j.service");
    }
}
