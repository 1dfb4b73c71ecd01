package dev.klp4j.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.ElfWriter;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The build step runs the differ on many objects at once: results must not depend on it. */
class DifferConcurrencyTest {
    private record Case(BatchCase bc, ElfFile orig, ElfFile patched, byte[] origBytes, byte[] patchedBytes, DiffOptions opts) {}

    private static String fingerprint(DiffResult r) throws java.security.NoSuchAlgorithmException {
        String out = r.patch() == null ? "-" : java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(ElfWriter.toBytes(PatchObjectFile.elf(r.patch()))));
        return r.outcome() + " " + r.changed() + " " + r.added() + " " + r.reasons() + " " + out;
    }

    @Test
    void parallelRunsMatchSequentialOnesAndLeaveInputsAlone() throws Exception {
        List<Case> cases = new ArrayList<>();
        for (BatchCase bc : BatchCase.read(DiffExpectedTsvTest.TSV)) {
            byte[] o = Files.readAllBytes(bc.orig());
            byte[] p = Files.readAllBytes(bc.patched());
            cases.add(new Case(bc, ElfReader.parse(o), ElfReader.parse(p), o, p,
                    DiffOptions.defaults().withStructSizes(bc.structSizes(StructSizes.defaults()))));
        }
        List<String> sequential = new ArrayList<>();
        for (Case c : cases) sequential.add(fingerprint(Differ.diff(c.orig(), c.patched(), c.opts())));

        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<String>> futures = new ArrayList<>();
            for (int round = 0; round < 3; round++) {
                for (Case c : cases) futures.add(pool.submit(() -> fingerprint(Differ.diff(c.orig(), c.patched(), c.opts()))));
            }
            for (int i = 0; i < futures.size(); i++) {
                assertThat(futures.get(i).get()).as(cases.get(i % cases.size()).bc().name()).isEqualTo(sequential.get(i % cases.size()));
            }
        } finally {
            pool.shutdownNow();
        }
        for (Case c : cases) {
            assertThat(ElfWriter.toBytes(c.orig())).as("%s: original model untouched", c.bc().name())
                    .isEqualTo(ElfWriter.toBytes(ElfReader.parse(c.origBytes())));
            assertThat(ElfWriter.toBytes(c.patched())).as("%s: patched model untouched", c.bc().name())
                    .isEqualTo(ElfWriter.toBytes(ElfReader.parse(c.patchedBytes())));
        }
    }
}
