package dev.klp4j.examples;

import dev.klp4j.base.CacheRoot;
import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.debian.SuiteArchive;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Section;
import dev.klp4j.debian.DebianSuite;
import dev.klp4j.debian.KernelRelease;
import dev.klp4j.klp.LoadTimeTables;
import dev.klp4j.testing.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Debian 13's kernel (6.12, gcc 14, IBT, call padding) beside Debian 12's, from this Debian 12
 * host, in one call: Debian 13's packages are fetched from trixie's archive, its objects are compiled
 * in a trixie build root, and each module is proven in the VM on its own kernel. The first run makes the build root and the source tree (a few
 * minutes; cached after).
 */
@Order(2) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("vm")
class Debian13Test {
    @TempDir Path out;

    /** Debian 13's kernel as its archive names it today (it moves with each update). */
    static String trixieRelease() {
        List<String> deps = new SuiteArchive(CacheRoot.path(), DebianSuite.TRIXIE).depends("linux-image-amd64");
        String image = deps.stream().filter(d -> d.startsWith("linux-image-")).findFirst().orElseThrow();
        return image.substring("linux-image-".length());
    }

    @Test
    void theCmdlineExampleBuildsForDebian12AndDebian13InOneCallAndIsProvenOnEach() throws Exception {
        String trixie = trixieRelease();
        String bookworm = KernelRelease.defaultRelease();
        assertThat(trixie).endsWith("+deb13-amd64");
        CliRun b = CliRun.of("build", Path.of("examples/cmdline/cmdline.patch").toAbsolutePath().toString(), "--kernel", bookworm,
                "--kernel", trixie, "-n", "both_cmdline", "-o", out.toString(), "-j", "2", "--prove", "--guest-runtime", "shell");
        assertThat(b.exit()).as(b.out() + b.err()).isZero();
        assertThat(b.out()).contains("== " + bookworm).contains("== " + trixie)
                .contains("fs/proc/cmdline.o->vmlinux").contains("changed=[cmdline_proc_show]");
        assertThat(b.out().split("prove: PASS, 6 phases held", -1)).as("one proof per kernel").hasSize(3);

        for (String release : List.of(bookworm, trixie)) {
            ElfFile ko = ElfReader.read(out.resolve(release).resolve("both_cmdline.ko"));
            String modinfo = new String(section(ko, ".modinfo").data(), StandardCharsets.ISO_8859_1);
            assertThat(modinfo).as("built against that kernel's headers").contains("vermagic=" + release + " ");
        }
        // gcc 14 with -fcf-protection (Debian 13's IBT): the new function starts with endbr64.
        byte[] text = section(ElfReader.read(out.resolve(trixie).resolve("both_cmdline.ko")), ".text.cmdline_proc_show").data();
        assertThat(dev.klp4j.kernel.KernelImage.indexOf(text, new byte[] {(byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa}, 0)).as("endbr64 in the new function").isGreaterThanOrEqualTo(0);
    }

    /** The example's patch for 6.12: its own "-6.12" variant where 6.1's context does not apply. */
    static Path patchFor612(String example) {
        Path variant = Path.of("examples", example, example + "-6.12.patch");
        return (java.nio.file.Files.isRegularFile(variant) ? variant : Path.of("examples", example, example + ".patch")).toAbsolutePath();
    }

    @ParameterizedTest
    @ValueSource(strings = {"module-xfs", "module-imports", "module-binfmt", "shadow-variable", "callbacks"})
    void theModuleShadowAndCallbackExamplesPassTheirOwnChecksOnDebian13(String example) throws Exception {
        String trixie = trixieRelease();
        String name = "deb13_" + example.replace('-', '_');
        CliRun b = CliRun.of("build", patchFor612(example).toString(), "--kernel", trixie, "-n", name, "-o", out.toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isZero();
        // objtool lists every call of the module in .call_sites at its link; one whose target is
        // written only with the patched module's livepatch relocations must not be among them.
        ElfFile ko = ElfReader.read(out.resolve(name + ".ko"));
        if (example.equals("module-xfs")) {
            assertThat(ko.relocationSections()).as("xfs_stats_format calls counter_val in xfs")
                    .anyMatch(r -> r.name().startsWith(".klp.rela.xfs..text.") && r.relocations().stream()
                            .anyMatch(x -> x.symbol().name().startsWith(".klp.sym.xfs.counter_val,")));
            assertThat(ko.section(".call_sites")).as("6.12's objtool lists the module's calls").isPresent();
        }
        if (example.equals("module-imports")) {
            // snd-usbmidi-lib calls usbcore's exports: relocated against usbcore, whose symbols come
            // from Debian 13's compressed usbcore.ko.xz (read as ELF before 6.12.118's update found it).
            assertThat(ko.relocationSections()).as("substream_open calls usb_kill_urb in usbcore")
                    .anyMatch(r -> r.name().startsWith(".klp.rela.usbcore..text.") && r.relocations().stream()
                            .anyMatch(x -> x.symbol().name().startsWith(".klp.sym.usbcore.usb_kill_urb,")));
        }
        assertThat(LoadTimeTables.dropLateCallSites(ko)).as("no .call_sites entry on a call into a patched module").isZero();
        CliRun vm = CliRun.of("vm", "test", "--kernel", trixie, "--module", out.resolve(name + ".ko").toString(),
                "--check", Path.of("examples", example, "check.sh").toAbsolutePath().toString(), "--guest-runtime", "shell");
        assertThat(vm.exit()).as(vm.out() + vm.err()).isZero();
        assertThat(vm.out()).contains("check-before  pass").contains("check-loaded  pass").contains("check-after   pass")
                .contains("dmesg         pass").contains("vm test: PASS, 6 phases held");
    }

    private static Section section(ElfFile f, String name) {
        return f.sections().stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no section " + name));
    }
}
