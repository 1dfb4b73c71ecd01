package dev.klp4j.examples;

import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfReader;
import dev.klp4j.testing.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What a user does with each example: {@code klp4j build} its patch for the target kernel, then
 * {@code klp4j vm test} the module with the example's check (fails before, passes while loaded,
 * fails after, clean dmesg). Refusal examples must fail the build with the status and the subject
 * their {@code expect} file names.
 */
@Order(1) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("vm")
class ExamplesEndToEndTest {
    @TempDir static Path out;

    /** Every buildable example but cmdline, which Debian13Test builds and proves on Debian 12 and 13 in one call. */
    static List<Path> buildable() throws IOException {
        return examples(true).stream().filter(d -> !d.getFileName().toString().equals("cmdline")).toList();
    }

    static List<Path> refused() throws IOException {
        return examples(false);
    }

    private static List<Path> examples(boolean buildable) throws IOException {
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            return s.filter(d -> Files.isRegularFile(d.resolve(d.getFileName() + ".patch")))
                    .filter(d -> Files.exists(d.resolve("expect")) != buildable)
                    .sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("buildable")
    void buildsAndIsProvenInTheVm(Path example) throws Exception {
        String name = "klp4j_" + example.getFileName().toString().replace('-', '_');
        CliRun build = CliRun.of("build", example.resolve(example.getFileName() + ".patch").toString(),
                "-n", name, "-o", out.toString(), "-j", "2");
        assertThat(build.exit()).as(build.err()).isZero();
        Path ko = out.resolve(name + ".ko");
        assertThat(ElfReader.read(ko).section(".modinfo").map(s -> new String(s.data()))).hasValueSatisfying(
                modinfo -> assertThat(modinfo).contains("livepatch=Y").contains("vermagic="));

        // The busybox twin loads and unloads here (VmHarnessTest and SharedReprosTest prove the Java runtime).
        CliRun vm = CliRun.of("vm", "test", "--module", ko.toString(), "--check", example.resolve("check.sh").toString(),
                "--guest-runtime", "shell");
        assertThat(vm.exit()).as(vm.out() + vm.err()).isZero();
        assertThat(vm.out()).contains("check-before  pass").contains("check-loaded  pass").contains("check-after   pass")
                .contains("dmesg         pass").contains("vm test: PASS, 6 phases held").contains("klp4j load (shell runtime): ");
        // A patch that carries a changed table is a permanent module (no exit): unpatched, it stays loaded.
        boolean carriesTable = example.getFileName().toString().equals("module-quirk-table");
        assertThat(dev.klp4j.kernel.ModuleExit.permanent(ko)).as("no exit function").isEqualTo(carriesTable);
        if (carriesTable) assertThat(vm.out()).contains("its permanent module stays loaded");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void isRefusedWithItsReason(Path example) throws Exception {
        String expect = Files.readString(example.resolve("expect")).strip();
        int status = Integer.parseInt(expect.substring(0, 1));
        Path dir = out.resolve(example.getFileName().toString());
        CliRun build = CliRun.of("build", example.resolve(example.getFileName() + ".patch").toString(),
                "-o", dir.toString(), "-j", "2");
        assertThat(build.exit()).as(build.err()).isEqualTo(status);
        assertThat(dir).as("no module is left behind").doesNotExist();
        if (status == 3) {
            assertThat(build.err()).contains("no patchable change");
        } else {
            assertThat(build.err()).contains("cannot be live patched");
            // The reason names the function or data the expect file names.
            Matcher m = Pattern.compile("\\b(?:function|data) (\\w+)").matcher(expect);
            assertThat(m.find()).as("expect names a subject: " + expect).isTrue();
            assertThat(build.err()).contains(m.group(1));
        }
    }
}
