package dev.klp4j.kbuild;

import dev.klp4j.testing.HoldsTheTree;
import org.junit.jupiter.api.extension.ExtendWith;


import dev.klp4j.base.Toolchain;

import dev.klp4j.base.Exec;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.source.UnifiedDiff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.TestKernel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Every example patch applies to the target's source and names the objects it changes. */
@ExtendWith(HoldsTheTree.class)
@Tag("kernel")
class ExamplesTest {

    @Test
    void everyExampleAppliesAndHasACheckOrAnExpectation() throws Exception {
        KernelTarget target = TestKernel.target();
        SourceTreeCache c = TestKernel.preparedTree(target);
        List<Path> dirs;
        try (Stream<Path> s = Files.list(Path.of("examples"))) {
            // Hand-written modules (with a Kbuild) are proven by VmHarnessTest, the review's examples
            // (unsafe-*, with a review file) by ReviewExamplesTest; the rest are patches.
            dirs = s.filter(Files::isDirectory).filter(d -> !Files.exists(d.resolve("Kbuild")))
                    .filter(d -> !Files.exists(d.resolve("review"))).sorted().toList();
        }
        assertThat(dirs).hasSizeGreaterThanOrEqualTo(12);
        KbuildQuery kbuild = new KbuildQuery(c.tree());
        for (Path d : dirs) {
            Path patch = d.resolve(d.getFileName() + ".patch");
            assertThat(patch).as(d + " has its patch").isRegularFile();
            boolean check = Files.isExecutable(d.resolve("check.sh")), expect = Files.isRegularFile(d.resolve("expect"));
            assertThat(check ^ expect).as(d + ": a check.sh (buildable) or an expect file (refusal)").isTrue();
            if (expect) assertThat(Files.readString(d.resolve("expect"))).matches("[23] .+\\n?");
            Toolchain.Result r = Exec.run(null, List.of("patch", "--dry-run", "-p1", "--batch", "-d", c.tree().toString(), "-i", patch.toAbsolutePath().toString()));
            assertThat(r.ok()).as(patch + " applies:\n" + r.output()).isTrue();
            UnifiedDiff diff = UnifiedDiff.parse(Files.readString(patch));
            for (UnifiedDiff.FilePatch f : diff.files()) assertThat(f.isC()).as(f.path()).isTrue();
            // Each file is built: as its own object, or through the objects that #include it.
            assertThat(new ChangedObjects(c.tree(), kbuild, 2).find(diff).sources()).as(patch + " changes objects this config builds")
                    .hasSizeGreaterThanOrEqualTo(diff.files().size());
        }
    }
}
