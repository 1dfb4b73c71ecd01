package dev.klp4j.examples;

import org.junit.jupiter.api.Order;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.klp4j.cli.Json;
import dev.klp4j.testing.CliRun;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * klp4j review on the examples/unsafe-* patches against the Debian kernel: each is flagged with
 * its rule and severity (the {@code review} file), and its safe twin, which changes the same code
 * without the danger, is not flagged by that rule.
 */
@Order(Integer.MAX_VALUE - 2) // long classes start first (src/test/resources/junit-platform.properties)
@Tag("kernel")
class ReviewExamplesTest {

    private static List<Path> examples() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            return s.filter(d -> Files.isRegularFile(d.resolve("review"))).sorted().toList();
        }
    }

    private static JsonNode review(Path patch) throws IOException {
        CliRun r = CliRun.of("review", patch.toAbsolutePath().toString(), "--json", "-j", "2");
        assertThat(r.exit()).as(patch + ": " + r.err()).isIn(0, 2);
        JsonNode report = Json.mapper().readTree(r.out());
        assertThat(r.exit()).as(patch + ": exit 2 exactly when the verdict is unsafe").isEqualTo(report.get("verdict").asText().equals("unsafe") ? 2 : 0);
        return report;
    }

    private static List<String> rulesOf(JsonNode report, String severity) {
        List<String> out = new ArrayList<>();
        for (JsonNode f : report.get("findings")) if (severity == null || f.get("severity").asText().equals(severity)) out.add(f.get("rule").asText());
        return out;
    }

    @Test
    void everyUnsafeExampleIsFlaggedAndItsTwinIsNot() throws IOException {
        List<Path> dirs = examples();
        assertThat(dirs).extracting(d -> d.getFileName().toString()).containsExactlyInAnyOrder("unsafe-data-semantics",
                "unsafe-endless-transition", "unsafe-inlining-fanout", "unsafe-interface", "unsafe-not-patchable", "unsafe-type-layout");
        List<String> failures = new ArrayList<>();
        for (Path d : dirs) {
            String[] want = Files.readString(d.resolve("review")).strip().split("\\s+");
            String rule = want[0], severity = want[1];
            JsonNode unsafe = review(d.resolve("unsafe.patch"));
            if (!rulesOf(unsafe, severity).contains(rule)) failures.add(d + ": unsafe.patch has no " + rule + " " + severity + " finding: " + unsafe);
            for (JsonNode f : unsafe.get("findings")) {
                assertThat(f.get("message").asText()).as(d + ": a message").isNotBlank();
                assertThat(f.get("remedy").asText()).as(d + ": a remedy").isNotBlank();
                assertThat(f.get("file").asText()).as(d + ": a file").isNotBlank();
            }
            JsonNode safe = review(d.resolve("safe.patch"));
            if (rulesOf(safe, null).contains(rule)) failures.add(d + ": safe.patch is flagged by " + rule + ": " + safe);
        }
        assertThat(failures).isEmpty();
    }

    /** Rule 6 where the source alone tells (an __init function): no object is compiled, in review or build. */
    @Test
    void initCodeIsRefusedFromTheSourceWithoutCompiling() {
        Path patch = Path.of("examples/unsafe-not-patchable/unsafe.patch").toAbsolutePath();
        CliRun r = CliRun.of("review", patch.toString(), "-j", "2");
        assertThat(r.exit()).as(r.out() + r.err()).isEqualTo(2);
        String all = r.out() + r.err();
        assertThat(all).contains("from the source alone").contains("proc_cmdline_init").doesNotContain("compile original")
                .doesNotContain("compile patched");
        CliRun b = CliRun.of("build", patch.toString(), "-j", "2", "-o", patch.getParent().resolve("no-such-output").toString());
        assertThat(b.exit()).as(b.out() + b.err()).isEqualTo(2);
        assertThat(b.out() + b.err()).contains("cannot be live patched (klp4j review, from the source alone)")
                .contains("proc_cmdline_init is __init code").contains("--accept not-patchable").doesNotContain("compile original");
        assertThat(patch.getParent().resolve("no-such-output")).doesNotExist();
    }
}
