package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import dev.klp4j.testing.TestKernel;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** klp4j build through the command line, on the real target (up to the steps that do not need the differ). */
@Tag("kernel")
class BuildCommandTest {
    @BeforeAll
    static void target() {
        TestKernel.target();
    }

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void patchThatDoesNotApplyNamesFileAndHunk(@TempDir Path dir) throws Exception {
        String good = Files.readString(Path.of("examples/cmdline/cmdline.patch"));
        Path bad = dir.resolve("bad.patch");
        Files.writeString(bad, good.replace("-\tseq_puts(m, saved_command_line);", "-\tseq_puts(m, some_other_line);"));
        CliRun r = run("build", bad.toString(), "-o", dir.toString(), "-j", "2");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("klp4j: bad.patch does not apply").contains("fs/proc/cmdline.c: hunk #1 (@@ -6,8 +6,7 @@");
        assertThat(r.out()).containsPattern("check patch\\s+\\d+\\.\\d s  failed");

        // --json: a failed build still prints its one document, with the reason and the exit status
        CliRun j = run("build", bad.toString(), "-o", dir.toString(), "-j", "2", "--json");
        assertThat(j.exit()).isEqualTo(2);
        JsonNode doc = Json.mapper().readTree(j.out());
        assertThat(doc.get("outcome").asText()).isEqualTo("FAILED");
        assertThat(doc.get("exit").asInt()).isEqualTo(2);
        assertThat(doc.get("reason").asText()).contains("bad.patch does not apply");
        assertThat(doc.get("release").asText()).isEqualTo(TestKernel.target().release());
    }

    @Test
    void compileOnlyReportsEveryStepInJson(@TempDir Path dir) throws Exception {
        CliRun r = run("build", "examples/two-files/two-files.patch", "-o", dir.toString(), "-j", "2", "--compile-only", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = Json.mapper().readTree(r.out());
        List<String> steps = new ArrayList<>();
        j.get("steps").forEach(s -> steps.add(s.get("name").asText()));
        assertThat(steps).containsExactly("target", "source tree", "check patch", "changed objects", "compile original",
                "apply patch", "compile patched", "owners");
        assertThat(j.get("steps").get(3).get("detail").asText()).isEqualTo("fs/proc/cmdline.o fs/proc/version.o");
        assertThat(r.err()).contains("compile patched");
    }

    /**
     * A patch may change what uname reports (kpatch's syscall test makes it "kpatch"): the JVM then
     * starts no process, and klp4j could not even unload that patch. Here the JVM is told so with
     * -Dos.name; the command must still run its tools (apt, to find the release) and fail only on
     * its input.
     */
    @Test
    void runsItsToolsWhenUnameSaysItIsNotLinux(@TempDir Path dir) throws Exception {
        Process p = new ProcessBuilder("java", "-Dos.name=kpatch", "-cp", System.getProperty("java.class.path"), "dev.klp4j.cli.Main",
                "build", "examples/cmdline/cmdline.patch", "--kernel", "9.9.9-1-amd64", "-o", dir.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(out).isEqualTo(2);
        assertThat(out).contains("klp4j: kernel 9.9.9-1-amd64: no such Debian release").doesNotContain("supported OS platform");
    }

    /** kpatch-build's several patches: one build, one module named after the first. */
    @Test
    void severalPatchesMakeOneBuild(@TempDir Path dir) throws Exception {
        CliRun r = run("build", "examples/cmdline/cmdline.patch", "examples/module-xfs/module-xfs.patch", "-o", dir.toString(), "-j", "2",
                "--compile-only", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = Json.mapper().readTree(r.out());
        assertThat(j.get("steps").get(3).get("detail").asText()).isEqualTo("fs/proc/cmdline.o fs/xfs/xfs_stats.o");

        CliRun twice = run("build", "examples/cmdline/cmdline.patch", "examples/kpatch-macros/kpatch-macros.patch", "-o", dir.toString());
        assertThat(twice.exit()).isEqualTo(2);
        assertThat(twice.err().strip()).isEqualTo("klp4j: examples/kpatch-macros/kpatch-macros.patch changes fs/proc/cmdline.c, which "
                + "examples/cmdline/cmdline.patch changes too: give them as one patch (e.g. git diff over both commits)");
        assertThat(twice.out()).as("nothing ran").isEmpty();
    }

    /** The whole pipeline, differ included. */
    @Test
    void buildsTheCmdlineExampleEndToEnd(@TempDir Path dir) throws Exception {
        CliRun r = run("build", "examples/cmdline/cmdline.patch", "-n", "klp4j_e2e", "-o", dir.toString(), "-j", "2", "--json");
        assertThat(r.exit()).as(r.err()).isZero();
        JsonNode j = Json.mapper().readTree(r.out());
        assertThat(j.get("objects").get(0).get("changed").toString()).contains("cmdline_proc_show");
        Path ko = dir.resolve("klp4j_e2e.ko");
        Process p = new ProcessBuilder("modinfo", "-F", "livepatch", ko.toString()).redirectErrorStream(true).start();
        assertThat(new String(p.getInputStream().readAllBytes()).strip()).isEqualTo("Y");
        dev.klp4j.elf.ElfFile k = dev.klp4j.elf.ElfReader.read(ko);
        assertThat(k.section(".klp.rela.vmlinux..text.cmdline_proc_show")).isPresent();
        assertThat(k.symbol(".klp.sym.vmlinux.saved_command_line,1").orElseThrow().isLivepatch()).isTrue();
    }

}
