package dev.klp4j.diff;

import dev.klp4j.testing.Proc;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects that have nothing to do with each other still give an answer and a valid object. */
class DifferRobustnessTest {
    @TempDir
    Path tmp;

    @Test
    void unrelatedPairsNeverThrowAndOutputsLink() throws Exception {
        List<Path> objects;
        try (Stream<Path> s = Files.list(DiffExpectedTsvTest.TSV.getParent())) {
            objects = s.filter(p -> p.toString().endsWith(".o")).sorted().toList();
        }
        assertThat(objects).hasSizeGreaterThan(10);
        Random random = new Random(42);
        for (int i = 0; i < 30; i++) {
            Path a = objects.get(random.nextInt(objects.size()));
            Path b = objects.get(random.nextInt(objects.size()));
            ElfFile o = ElfReader.read(a);
            DiffResult r = Differ.diff(o, ElfReader.read(b), DiffOptions.defaults());
            // Two different objects are never "no change"; a written patch names what it carries.
            if (a.equals(b)) assertThat(r.outcome()).as("%s against itself", a).isEqualTo(DiffResult.Outcome.NO_CHANGE);
            else assertThat(r.outcome()).as("%s vs %s", a, b).isIn(DiffResult.Outcome.PATCH, DiffResult.Outcome.REFUSED);
            if (r.outcome() == DiffResult.Outcome.REFUSED) assertThat(r.reasons()).as("%s vs %s", a, b).isNotEmpty();
            if (r.outcome() == DiffResult.Outcome.PATCH) {
                assertThat(r.changed().size() + r.added().size()).as("%s vs %s", a, b).isPositive();
                Path out = tmp.resolve("out" + i + ".o");
                PatchObjectFile.write(r.patch(), out);
                Proc.Result ld = Proc.run(tmp, "ld", "-r", "-o", tmp.resolve("l.o").toString(), out.toString());
                assertThat(ld.exit()).as("ld -r on %s vs %s: %s", a, b, ld.err()).isZero();
            }
            assertThat(Differ.diff(o, ElfReader.read(a), DiffOptions.defaults()).outcome()).as("%s against itself", a)
                    .isEqualTo(DiffResult.Outcome.NO_CHANGE);
        }
    }
}
