package dev.klp4j.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
}
