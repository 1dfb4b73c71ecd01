package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code klp4j diff} command line: outputs, exit codes and one-line errors. */
class DiffCommandTest {
    static final Path DIR = Path.of("../shared/kpatch-unit-objs/x86_64");

    @TempDir
    Path tmp;

    static CliRun run(String... args) {
        return CliRun.of(args);
    }

    @Test
    void writesThePatchObjectAndListsFunctions() {
        Path out = tmp.resolve("out.o");
        CliRun r = run("diff", DIR.resolve("new-function.ORIG.o").toString(), DIR.resolve("new-function.PATCHED.o").toString(),
                "-o", out.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).isEqualTo("changed function: n_tty_write\nnew function: kpatch_n_tty_write\n");
        assertThat(out).isRegularFile();
    }

    @Test
    void jsonReport() {
        CliRun r = run("diff", DIR.resolve("new-function.ORIG.o").toString(), DIR.resolve("new-function.PATCHED.o").toString(),
                "-o", tmp.resolve("out.o").toString(), "--json");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("\"exit\" : 0,").contains("\"changed\" : [ \"n_tty_write\" ]").contains("\"specialEntries\"").contains("\"reasons\"");
        CliRun none = run("diff", DIR.resolve("warn-detect.ORIG.o").toString(), DIR.resolve("warn-detect.PATCHED.FAIL.o").toString(),
                "-o", tmp.resolve("none.o").toString(), "--json");
        assertThat(none.exit()).isEqualTo(3);
        assertThat(none.out()).startsWith("{\n  \"exit\" : 3,");
    }

    @Test
    void reportsShowADiffsOutcomeAsItsExitStatus() {
        // build --json's objects[].exit is a DiffResult.Outcome; the JSON keeps the number klp4j diff exits with.
        assertThat(Json.write(dev.klp4j.diff.DiffResult.Outcome.PATCH)).isEqualTo("0");
        assertThat(Json.write(new dev.klp4j.pipeline.ObjectReport("a.o", "vmlinux", dev.klp4j.diff.DiffResult.Outcome.PATCH,
                java.util.List.of("f"), java.util.List.of(), java.util.List.of()))).contains("\"exit\" : 0").doesNotContain("diff");
        assertThat(Json.write(dev.klp4j.diff.DiffResult.Outcome.REFUSED)).isEqualTo("2");
        assertThat(Json.write(dev.klp4j.diff.DiffResult.Outcome.NO_CHANGE)).isEqualTo("3");
    }

    @Test
    void refusalPrintsReasonsAndWritesNothing() {
        Path out = tmp.resolve("out.o");
        CliRun r = run("diff", DIR.resolve("meminfo-init.ORIG.o").toString(), DIR.resolve("meminfo-init.PATCHED.FAIL.o").toString(),
                "-o", out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("proc_meminfo_init").doesNotContain("Exception");
        assertThat(out).doesNotExist();
    }

    @Test
    void noChangeExitsThreeAndWritesNothing() {
        Path out = tmp.resolve("out.o");
        CliRun r = run("diff", DIR.resolve("warn-detect.ORIG.o").toString(), DIR.resolve("warn-detect.PATCHED.FAIL.o").toString(),
                "-o", out.toString());
        assertThat(r.exit()).isEqualTo(3);
        assertThat(out).doesNotExist();
    }

    @Test
    void badInputIsAOneLineError() throws Exception {
        Path junk = tmp.resolve("junk.o");
        Files.writeString(junk, "not an object");
        Path out = tmp.resolve("out.o");
        CliRun r = run("diff", junk.toString(), DIR.resolve("warn-detect.ORIG.o").toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err().strip()).doesNotContain("\n").contains("junk.o").contains("not an ELF file");
        assertThat(out).doesNotExist();

        CliRun missing = run("diff", tmp.resolve("nope.o").toString(), junk.toString(), "-o", out.toString());
        assertThat(missing.exit()).isEqualTo(2);
        assertThat(missing.err().strip()).doesNotContain("\n").contains("nope.o");

        CliRun badSize = run("diff", junk.toString(), junk.toString(), "-o", out.toString(), "--struct-size", "jump=abc");
        assertThat(badSize.exit()).isEqualTo(2);
        assertThat(badSize.err().strip()).doesNotContain("\n").contains("jump=abc");
    }

    @Test
    void batchRunsEveryRow() throws Exception {
        Path dir = tmp.resolve("outs");
        CliRun r = run("diff", "--batch", DIR.resolve("expected.tsv").toString(), "--out-dir", dir.toString());
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.out()).contains("new-function 0 changed=n_tty_write new=kpatch_n_tty_write\n")
                .contains("meminfo-init 2 changed=- new=-\n").contains("warn-detect 3 changed=- new=-\n");
        assertThat(dir.resolve("new-function.o")).isRegularFile();
        assertThat(dir.resolve("meminfo-init.o")).doesNotExist();

        // --json: one document, a row an element
        CliRun j = run("diff", "--batch", DIR.resolve("expected.tsv").toString(), "--out-dir", dir.toString(), "--json");
        assertThat(j.exit()).as(j.err()).isZero();
        com.fasterxml.jackson.databind.JsonNode rows = Json.mapper().readTree(j.out());
        assertThat(rows.isArray()).isTrue();
        com.fasterxml.jackson.databind.JsonNode nf = null;
        for (com.fasterxml.jackson.databind.JsonNode row : rows) if (row.get("case").asText().equals("new-function")) nf = row;
        assertThat(nf).isNotNull();
        assertThat(nf.get("exit").asInt()).isZero();
        assertThat(nf.get("changed").get(0).asText()).isEqualTo("n_tty_write");
        assertThat(nf.get("added").get(0).asText()).isEqualTo("kpatch_n_tty_write");
    }

    @Test
    void batchBadInputIsARowErrorOrAOneLineError() throws Exception {
        Path tsv = tmp.resolve("cases.tsv");
        Files.writeString(tsv, "ok\t" + DIR.toAbsolutePath().resolve("new-function.ORIG.o") + "\t" + DIR.toAbsolutePath().resolve("new-function.PATCHED.o")
                + "\nmissing\tnope.ORIG.o\tnope.PATCHED.o\n");
        CliRun rows = run("diff", "--batch", tsv.toString(), "--out-dir", tmp.resolve("outs").toString());
        assertThat(rows.exit()).as(rows.err()).isEqualTo(ExitStatus.INPUT);
        assertThat(rows.out()).contains("ok 0 changed=n_tty_write").contains("missing ERROR ").contains("nope.ORIG.o: no such file");

        Files.writeString(tsv, "# case\torig\tpatched\tenv\texit\nbad\ta.o\tb.o\t-\tzero\n");
        CliRun file = run("diff", "--batch", tsv.toString(), "--out-dir", tmp.resolve("outs").toString());
        assertThat(file.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(file.err().strip()).doesNotContain("\n").contains("cases.tsv:2:").contains("zero");
    }

    @Test
    void objectsOfTwoSourceFilesAreRefused() {
        Path out = tmp.resolve("x.o");
        CliRun r = run("diff", DIR.resolve("ASSERT_RTNL-detect.ORIG.o").toString(), DIR.resolve("altinstr_aux.PATCHED.o").toString(), "-o", out.toString());
        assertThat(r.exit()).isEqualTo(ExitStatus.INPUT);
        assertThat(r.err().strip()).endsWith("ASSERT_RTNL-detect.ORIG.o is compiled from dev.c and " + DIR.resolve("altinstr_aux.PATCHED.o")
                + " from bugs.c: give the original and the patched object of one source file");
        assertThat(out).doesNotExist();
    }

    @Test
    void namespaceImportsAreKept() throws Exception {
        Path out = tmp.resolve("ns.o");
        CliRun r = run("diff", DIR.resolve("import-ns.ORIG.o").toString(), DIR.resolve("import-ns.PATCHED.o").toString(), "-o", out.toString());
        assertThat(r.exit()).isZero();
        dev.klp4j.elf.ElfFile f = dev.klp4j.elf.ElfReader.read(out);
        String modinfo = new String(f.section(".modinfo").orElseThrow().data(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(modinfo.split("\u0000")).contains("import_ns=KPATCH_TEST", "import_ns=KPATCH_TEST2", "import_ns=DEVMEM", "import_ns=DMA_BUF");
    }
}
