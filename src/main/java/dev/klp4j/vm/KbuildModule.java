package dev.klp4j.vm;

import dev.klp4j.kbuild.Kbuild;
import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelTree;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Builds an out-of-tree module (a directory with a Kbuild file and C sources, such as
 * examples/handwritten-cmdline) against a release's kbuild tree, in a copy under {@code outDir}
 * so no build output lands in the source directory.
 */
public final class KbuildModule {
    private KbuildModule() {}

    /** Returns the one .ko the build produced. */
    public static Path build(Path sourceDir, KernelTree kernel, Path outDir) {
        List<Path> kos = buildAll(sourceDir, kernel, outDir);
        if (kos.size() != 1) {
            throw Failure.failed("kbuild of " + sourceDir + " made " + kos.size() + " .ko files, expected one");
        }
        return kos.get(0);
    }

    /** Returns every .ko the build produced, sorted by name. */
    public static List<Path> buildAll(Path sourceDir, KernelTree kernel, Path outDir) {
        if (!Files.isRegularFile(sourceDir.resolve("Kbuild")) && !Files.isRegularFile(sourceDir.resolve("Makefile"))) {
            throw new Failure(sourceDir + ": no Kbuild or Makefile; give a module source directory");
        }
        Path kbuild = kernel.requireBuildDir();
        try {
            Files.createDirectories(outDir);
            try (Stream<Path> files = Files.list(sourceDir)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    String n = f.getFileName().toString();
                    if (n.endsWith(".c") || n.endsWith(".h") || n.equals("Kbuild") || n.equals("Makefile")) {
                        Files.copy(f, outDir.resolve(n));
                    }
                }
            }
            Kbuild.Result r = Kbuild.modules(kbuild, outDir, 1, Map.of(), Duration.ofSeconds(300));
            if (!r.ok()) throw Failure.failed("kbuild of " + sourceDir + " failed: " + r.firstError());
            try (Stream<Path> files = Files.list(outDir)) {
                List<Path> kos = files.filter(f -> f.getFileName().toString().endsWith(".ko")).sorted().toList();
                if (kos.isEmpty()) throw Failure.failed("kbuild of " + sourceDir + " made no .ko file");
                return kos;
            }
        } catch (IOException e) {
            throw Failure.failed("cannot build " + sourceDir + ": " + e.getMessage());
        }
    }
}
