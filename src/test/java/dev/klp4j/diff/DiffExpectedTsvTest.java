package dev.klp4j.diff;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.cli.ExitStatus;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every row of the shared kpatch unit-object corpus: the differ must agree with the reference
 * differ on the exit status, the exact changed and new function sets and the number of local
 * functions in the output, and the output must be a clean object for readelf and ld -r.
 */
class DiffExpectedTsvTest {
    static final Path TSV = Path.of("../shared/kpatch-unit-objs/x86_64/expected.tsv");

    /**
     * Rows the differ does not match yet, with the reason. A row listed here must still fail: the
     * test checks that, so a fixed gap has to be removed from the list.
     */
    static final Map<String, String> KNOWN_GAPS = Map.of();

    /**
     * Rows where the output holds more local functions than the reference's, on purpose: the
     * unchanged {@code .cold} pieces of a changed parent, which the reference leaves in the running
     * kernel, where they jump back into the old parent (see Comparator#coldPiecesFollowTheirParent).
     */
    static final Map<String, Integer> COLD_PIECES_CARRIED = Map.of("cold-change-parent", 1, "static-call-issue-1165", 1);

    @TempDir
    Path tmp;

    @TestFactory
    Stream<DynamicTest> everyRow() throws IOException {
        assertThat(TSV).as("shared corpus (run from the repository root, next to ../shared)").exists();
        List<BatchCase> cases = BatchCase.read(TSV);
        assertThat(cases).isNotEmpty();
        return cases.stream().map(bc -> DynamicTest.dynamicTest(bc.name(), () -> {
            if (KNOWN_GAPS.containsKey(bc.name())) {
                assertThat(matches(bc)).as("known gap %s now passes: remove it from KNOWN_GAPS", bc.name()).isFalse();
            } else {
                check(bc);
            }
        }));
    }

    private boolean matches(BatchCase bc) {
        try {
            check(bc);
            return true;
        } catch (AssertionError | Exception e) {
            return false;
        }
    }

    private void check(BatchCase bc) throws Exception {
        DiffOptions opts = DiffOptions.defaults().withStructSizes(bc.structSizes(StructSizes.defaults()));
        DiffResult r = Differ.diff(ElfReader.read(bc.orig()), ElfReader.read(bc.patched()), opts);
        assertThat(ExitStatus.ofDiff(r.outcome())).as("%s exit status (reasons %s)", bc.name(), r.reasons()).isEqualTo(bc.expectedExit());
        if (r.outcome() != DiffResult.Outcome.PATCH) {
            assertThat(r.patch()).isNull();
            if (r.outcome() == DiffResult.Outcome.REFUSED) assertThat(r.reasons()).isNotEmpty();
            return;
        }
        assertThat(new HashSet<>(r.changed())).as("%s changed functions", bc.name()).isEqualTo(new HashSet<>(bc.expectedChanged()));
        assertThat(r.changed()).doesNotHaveDuplicates();
        assertThat(new HashSet<>(r.added())).as("%s new functions", bc.name()).isEqualTo(new HashSet<>(bc.expectedNew()));
        assertThat(r.added()).doesNotHaveDuplicates();

        Path out = tmp.resolve(bc.name() + ".o");
        PatchObjectFile.write(r.patch(), out);
        ElfFile back = ElfReader.read(out);
        long locals = back.symbols().stream().filter(s -> s.isLocal() && s.isFunction() && s.section() != null).count();
        int carried = COLD_PIECES_CARRIED.getOrDefault(bc.name(), 0);
        assertThat(locals).as("%s local functions in output", bc.name()).isEqualTo(bc.expectedLocalFuncs().longValue() + carried);
        assertThat(back.symbols().stream().filter(s -> s.isLocal() && s.isFunction() && s.section() != null && s.name().contains(".cold")))
                .as("%s: the extra local functions are .cold pieces", bc.name()).hasSizeGreaterThanOrEqualTo(carried);
        for (Symbol s : back.symbols()) {
            if (s.isUndefined() && !s.name().isEmpty()) assertThat(s.isLocal()).as("undefined %s must be global", s.name()).isFalse();
        }
        checkMeta(bc, r, back);
        assertThat(back.sections()).as("directive sections stay out").noneMatch(s -> s.name().startsWith(".kpatch.ignore"));

        Proc.Result readelf = Proc.run(tmp, "readelf", "-a", "-W", out.toString());
        assertThat(readelf.exit()).as("readelf exit").isZero();
        assertThat(readelf.out()).as("readelf read the symbol table").contains("Symbol table").contains(".klp4j.meta");
        assertThat(readelf.err()).as("readelf stderr for %s", bc.name()).doesNotContain("Warning").doesNotContain("Error");
        Proc.Result ld = Proc.run(tmp, "ld", "-r", "-o", tmp.resolve(bc.name() + ".ld.o").toString(), out.toString());
        assertThat(ld.exit()).as("ld -r on %s: %s", bc.name(), ld.err()).isZero();
    }

    /** The metadata agrees with the object: every undefined symbol is listed, every function too. */
    private static void checkMeta(BatchCase bc, DiffResult r, ElfFile out) throws IOException {
        dev.klp4j.elf.Section meta = out.section(PatchObjectFile.SECTION).orElseThrow();
        assertThat(meta.isAlloc()).isFalse();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(new String(meta.data(), StandardCharsets.UTF_8));
        assertThat(json.get("format").asInt()).isEqualTo(1);
        assertThat(json.get("object").asText()).isEqualTo("vmlinux");
        java.util.Set<String> changed = new HashSet<>();
        java.util.Set<String> added = new HashSet<>();
        for (com.fasterxml.jackson.databind.JsonNode f : json.get("functions")) {
            (f.get("status").asText().equals("changed") ? changed : added).add(f.get("name").asText());
            if (f.get("status").asText().equals("changed")) assertThat(f.get("sympos").asInt()).isPositive();
        }
        assertThat(changed).as("%s meta changed", bc.name()).isEqualTo(new HashSet<>(r.changed()));
        assertThat(added).as("%s meta new", bc.name()).isEqualTo(new HashSet<>(r.added()));
        List<String> undefined = out.symbols().stream().filter(s -> s.isUndefined() && !s.name().isEmpty()).map(Symbol::name).sorted().toList();
        List<String> refs = new java.util.ArrayList<>();
        for (com.fasterxml.jackson.databind.JsonNode ref : json.get("references")) refs.add(ref.get("name").asText());
        assertThat(refs.stream().sorted().toList()).as("%s meta references = undefined symbols", bc.name()).isEqualTo(undefined);
    }
}
