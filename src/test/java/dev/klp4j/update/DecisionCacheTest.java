package dev.klp4j.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DecisionCacheTest {
    @TempDir
    Path dir;

    private Path jar(String name, Map<String, String> entries) throws IOException {
        Path p = dir.resolve(name);
        try (OutputStream out = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (var e : new java.util.TreeMap<>(entries).entrySet()) {
                zip.putNextEntry(new ZipEntry(e.getKey()));
                zip.write(e.getValue().getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
        }
        return p;
    }

    @Test
    void aKlp4jThatChangesOnlyItsProofPackagingOrArgumentsDecidesTheSameButOneThatChangesTheDiffDoesNot() throws IOException {
        Map<String, String> base = Map.of("dev/klp4j/diff/Differ.class", "diff 1", "dev/klp4j/vm/VmProof.class", "vm 1",
                "META-INF/MANIFEST.MF", "Built: monday");
        String before = DecisionCache.deciding(jar("a.jar", base));

        String proofMended = DecisionCache.deciding(jar("b.jar", Map.of("dev/klp4j/diff/Differ.class", "diff 1",
                "dev/klp4j/vm/VmProof.class", "vm 2", "dev/klp4j/fleet/Applier.class", "new", "dev/klp4j/cli/Main.class", "new",
                "META-INF/MANIFEST.MF", "Built: tuesday")));
        String diffChanged = DecisionCache.deciding(jar("c.jar", Map.of("dev/klp4j/diff/Differ.class", "diff 2",
                "dev/klp4j/vm/VmProof.class", "vm 1", "META-INF/MANIFEST.MF", "Built: monday")));
        String classAdded = DecisionCache.deciding(jar("d.jar", Map.of("dev/klp4j/diff/Differ.class", "diff 1",
                "dev/klp4j/klp/New.class", "x", "dev/klp4j/vm/VmProof.class", "vm 1", "META-INF/MANIFEST.MF", "Built: monday")));

        assertThat(proofMended).isEqualTo(before);
        assertThat(diffChanged).isNotEqualTo(before);
        assertThat(classAdded).isNotEqualTo(before).isNotEqualTo(diffChanged);
    }

    /**
     * A rerun finds what the first run found: that a fix needs other changes (6.1.190's header batch
     * took 20 minutes to find it again), and the one decision of fixes decided as one; not klp4j's
     * own failure, which a rerun tries again.
     */
    @Test
    void aRerunReadsBackThatAFixNeedsOthersAndTheJoinedDecisionButNotKlp4jsFailure() {
        DecisionCache cache = new DecisionCache(dir, "6.1.0-53-amd64");
        Fix alone = new Fix("include/linux/ioprio.h", List.of("include/linux/ioprio.h"), "--- a\n+++ b\n+x\n");
        Fix member = new Fix("net/b.c", List.of("net/b.c"), "--- a/net/b.c\n");
        Fix broken = new Fix("net/c.c", List.of("net/c.c"), "--- a/net/c.c\n");
        FixDecision needs = new FixDecision(alone.id(), alone.files(), List.of(), FixStatus.NEEDS_REBOOT,
                "does not compile without other changes of the update: ioprio.h:3: error: 'X' undeclared", List.of(), List.of());
        FixDecision joined = new FixDecision("net/a.c", List.of("net/a.c", "net/b.c"), List.of("a_rcv", "b_xmit"),
                FixStatus.LIVE_PATCHED, null, List.of(), List.of());
        cache.put(alone, new FixDecider.Decided(FixDecider.Kind.DEPENDENT, needs));
        cache.put(member, new FixDecider.Decided(FixDecider.Kind.DECIDED, joined));
        cache.put(broken, new FixDecider.Decided(FixDecider.Kind.KLP4J_FAILED, needs.withStatus(FixStatus.NEEDS_REBOOT, "klp4j defect")));

        DecisionCache rerun = new DecisionCache(dir, "6.1.0-53-amd64");
        assertThat(rerun.get(alone)).contains(new FixDecider.Decided(FixDecider.Kind.DEPENDENT, needs));
        assertThat(rerun.get(member)).contains(new FixDecider.Decided(FixDecider.Kind.DECIDED, joined));
        assertThat(rerun.get(broken)).isEmpty();
        assertThat(new DecisionCache(dir, "6.1.0-54-amd64").get(alone)).isEmpty();
        assertThat(rerun.hits()).isEqualTo(2);
    }
}
