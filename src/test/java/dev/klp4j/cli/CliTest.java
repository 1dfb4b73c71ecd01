package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import com.fasterxml.jackson.databind.JsonNode;
import dev.klp4j.testing.SharedData;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class CliTest {

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void everyCommandThatTakesAReleaseTakesItAsDashK() {
        // build took -k and vm test did not: a user who typed one typed the other.
        java.util.List<String> seen = new java.util.ArrayList<>();
        java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(java.util.List.of(Main.newCommandLine()));
        while (!todo.isEmpty()) {
            CommandLine c = todo.pop();
            todo.addAll(c.getSubcommands().values());
            CommandLine.Model.OptionSpec kernel = c.getCommandSpec().findOption("--kernel");
            if (kernel == null) continue;
            seen.add(c.getCommandSpec().qualifiedName());
            assertThat(kernel.names()).as(c.getCommandSpec().qualifiedName()).contains("-k");
        }
        assertThat(seen).contains("klp4j build", "klp4j update", "klp4j vm test");
    }

    @Test
    void helpListsCommandsAndVersionPrints() {
        CliRun help = run("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.out()).contains("Usage: klp4j").contains("elf").contains("--version");
        assertThat(run("elf", "show", "--help").out()).contains("Usage: klp4j elf show").contains("--json");
        CliRun version = run("--version");
        assertThat(version.exit()).isZero();
        assertThat(version.out()).startsWith("klp4j ");
        // Every command's help lists -V: each prints the version.
        for (String[] cmd : new String[][] {{"build", "-V"}, {"elf", "show", "--version"}, {"vm", "test", "-V"}, {"review", "-V"}}) {
            CliRun v = run(cmd);
            assertThat(v.exit()).as(String.join(" ", cmd)).isZero();
            assertThat(v.out()).as(String.join(" ", cmd)).isEqualTo(version.out());
        }
    }

    @Test
    void aGuestRuntimeThatDoesNotExistIsRefusedBeforeAnyWork() {
        CliRun r = run("bench", "transition", "--guest-runtime", "perl", "--source", "/nonexistent-klp4j-source");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).isEqualTo("klp4j: --guest-runtime perl: use java or shell");
    }

    @Test
    void updateRefusesBadInputBeforeAnyWork(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path file = java.nio.file.Files.writeString(tmp.resolve("a-file"), "x");
        String[][] cases = {
                {"--to", "latest!", "klp4j: --to 'latest!' is not a Debian version (e.g. 6.1.192-3)"},
                {"-j", "0", "klp4j: -j 0: give at least one job"},
                {"-o", file.resolve("out").toString(), "klp4j: -o " + file.resolve("out") + ": " + file + " is not a directory; give a directory to write into"},
                {"--guest-runtime", "perl", "klp4j: --guest-runtime perl: use java or shell"},
                {"--cluster", "gcc", "klp4j: --cluster gcc: use distcc or icecream"}};
        for (String[] c : cases) {
            CliRun r = run("update", "--kernel", "6.1.0-55-amd64", c[0], c[1]);
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo(c[2]);
            assertThat(r.out()).as("nothing ran").isEmpty();
        }
    }

    @Test
    void patchAndOutputFilesAreCheckedBeforeAnyWork(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path empty = java.nio.file.Files.writeString(tmp.resolve("empty.patch"), "");
        Path prose = java.nio.file.Files.writeString(tmp.resolve("notes.patch"), "fix the bug in n_tty\n");
        Path file = java.nio.file.Files.writeString(tmp.resolve("a-file"), "x");
        String patch = "examples/cmdline/cmdline.patch";
        String[][] cases = {
                {"build", tmp.toString(), tmp + ": is a directory; give a patch file"},
                {"build", "/dev/null", "/dev/null: not a regular file (a device, pipe or socket); give a patch file"},
                {"review", empty.toString(), empty + ": empty: no file header ('--- a/FILE' then '+++ b/FILE') in it; give the output of git diff or diff -u"},
                {"build", prose.toString(), prose + ": not a unified diff: no file header ('--- a/FILE' then '+++ b/FILE') in it; give the output of git diff or diff -u"},
                {"build", patch, "-o", file.toString(), "-o " + file + ": " + file + " is not a directory; give a directory to write into"},
                {"elf", "show", tmp.toString(), tmp + ": is a directory; give a file"},
                {"diff", "a.o", "b.o", "-o", "/nonexistent-klp4j/x.o", "-o /nonexistent-klp4j/x.o: /nonexistent-klp4j does not exist; create it first"},
                {"build", patch, "--kernel", "", "--kernel '': give a release (a name as in /lib/modules or linux-image-RELEASE), bookworm, trixie or @FILE"}};
        for (String[] c : cases) {
            CliRun r = run(java.util.Arrays.copyOf(c, c.length - 1));
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("klp4j: " + c[c.length - 1]);
            assertThat(r.out()).as("nothing ran").isEmpty();
        }
    }

    @Test
    void aJobCountBelowOneIsRefusedBeforeAnyWork() {
        for (String j : new String[] {"0", "-3"}) {
            CliRun r = run("build", "examples/cmdline/cmdline.patch", "-j", j, "-o", "/nonexistent-klp4j-out");
            assertThat(r.exit()).as(r.err()).isEqualTo(2);
            assertThat(r.err().strip()).isEqualTo("klp4j: -j " + j + ": the number of parallel jobs must be 1 or more");
            assertThat(r.out()).as("nothing ran").isEmpty();
        }
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        CliRun r = run("elf", "show");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip().lines()).singleElement().asString()
                .startsWith("klp4j: Missing required parameter: 'FILE'").contains("klp4j elf show --help");
        CliRun unknown = run("frobnicate");
        assertThat(unknown.exit()).isEqualTo(2);
        assertThat(unknown.err()).contains("Unmatched argument");
        CliRun typo = run("buidl", "x.patch");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err().strip().lines()).singleElement().asString().contains("did you mean 'build'?");
        CliRun option = run("build", "x.patch", "--prov");
        assertThat(option.err().strip().lines()).singleElement().asString().contains("did you mean '--prove'?");
        CliRun missing = run("elf", "show", "/nonexistent.o");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("klp4j: /nonexistent.o: no such file");
    }

    @Test
    void reviewRulesAreNamedByTheirIds() {
        CliRun bad = run("build", "x.patch", "--accept", "layout");
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.err().strip()).isEqualTo("klp4j: --accept layout: no such review rule (one of: type-layout, interface, "
                + "data-semantics, endless-transition, inlining-fanout, not-patchable)");
        CliRun missing = run("review", "no-such.patch");
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).isEqualTo("klp4j: no-such.patch: no such patch file");
        assertThat(run("--help").out()).contains("review");
    }

    @Test
    void severalKernelsRefuseOptionsThatNameOneKernelsFiles() {
        CliRun both = run("build", "x.patch", "--all", "--kernel", "6.1.0-56-amd64");
        assertThat(both.exit()).isEqualTo(2);
        assertThat(both.err().strip()).isEqualTo("klp4j: --all and --kernel both name the targets: give one of them");
        CliRun config = run("build", "x.patch", "--kernel", "6.1.0-56-amd64", "--kernel", "6.1.0-50-amd64", "-c", "/boot/config");
        assertThat(config.exit()).isEqualTo(2);
        assertThat(config.err().strip())
                .isEqualTo("klp4j: -s, -c, --symbols and --symvers name one kernel's files: give them with a single --kernel");
    }

    /** A command with a bug in it: what Main does with an exception that is not the user's to fix. */
    @CommandLine.Command(name = "buggy")
    static final class Buggy implements Runnable {
        @Override
        public void run() {
            String missing = null;
            missing.length(); // the NullPointerException a bug would throw
        }
    }

    static CliRun runWithBuggyCommand(String... args) {
        return CliRun.on(Main.newCommandLine().addSubcommand(new Buggy()), args);
    }

    @Test
    void aBugInACommandIsAnInternalErrorNotBadInput() {
        CliRun r = runWithBuggyCommand("buggy");
        assertThat(r.exit()).isEqualTo(ExitStatus.INTERNAL).isEqualTo(1);
        assertThat(r.err().strip().lines()).singleElement().asString()
                .startsWith("klp4j: internal error: java.lang.NullPointerException").contains("please report it").contains("--debug");
        CliRun debug = runWithBuggyCommand("--debug", "buggy");
        assertThat(debug.exit()).isEqualTo(ExitStatus.INTERNAL);
        assertThat(debug.err()).contains("internal error").contains("at dev.klp4j.cli.CliTest$Buggy.run(");
    }

    @Test
    void elfShowPrintsSectionsSymbolsAndRelocations() {
        Path o = SharedData.unitObjects().resolve("cmdline-ubsan.ORIG.o");
        CliRun r = run("elf", "show", o.toString());
        assertThat(r.exit()).isZero();
        assertThat(r.out()).containsPattern("\\[13\\] \\.text\\.cmdline_proc_show +PROGBITS +AX +58 ")
                .containsPattern("FUNC +LOCAL +DEFAULT +13 cmdline_proc_show")
                .contains("Relocations in .rela.text.cmdline_proc_show (5):")
                .containsPattern("R_X86_64_PLT32 +__fentry__ - 4");
    }

    @Test
    void elfShowJsonIsStructured() throws Exception {
        Path o = SharedData.unitObjects().resolve("cmdline-ubsan.ORIG.o");
        CliRun r = run("elf", "show", "--json", o.toString());
        assertThat(r.exit()).isZero();
        JsonNode root = Json.mapper().readTree(r.out());
        assertThat(root.get("machine").asInt()).isEqualTo(62);
        JsonNode text = null;
        for (JsonNode s : root.get("sections")) if (s.get("name").asText().equals(".rela.text.cmdline_proc_show")) text = s;
        assertThat(text).isNotNull();
        assertThat(text.get("target").asText()).isEqualTo(".text.cmdline_proc_show");
        assertThat(text.get("relocations").get(0).get("symbol").asText()).isEqualTo("__fentry__");
        assertThat(text.get("relocations").get(0).get("addend").asLong()).isEqualTo(-4);
    }

    @Test
    void aRunThatNamesItsCommandBuildsThatCommandAloneWithTheSameUsage() {
        assertThat(Main.named("load", "x.ko", "--json")).containsExactly(RuntimeCommands.Load.class);
        assertThat(Main.named("--debug", "unload", "klp4j_x")).containsExactly(RuntimeCommands.Unload.class);
        assertThat(Main.named("help", "load")).as("help lists every command").isEqualTo(Main.COMMANDS);
        assertThat(Main.named("lod", "x.ko")).as("a misspelled command gets suggestions from all").isEqualTo(Main.COMMANDS);
        assertThat(Main.named()).isEqualTo(Main.COMMANDS);
        for (String name : java.util.List.of("load", "unload", "list", "build")) {
            CommandLine alone = Main.newCommandLine(Main.named(name)).getSubcommands().get(name);
            assertThat(alone.getUsageMessage()).isEqualTo(Main.newCommandLine().getSubcommands().get(name).getUsageMessage());
        }
        CliRun typo = CliRun.on(Main.newCommandLine(Main.named("lod")), "lod");
        assertThat(typo.exit()).isEqualTo(2);
        assertThat(typo.err()).contains("did you mean 'load'");
    }
}
