package dev.klp4j.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The shared kernel-object corpus beside the repository (../shared/kpatch-unit-objs). */
public final class SharedData {
    private SharedData() {}

    public static Path unitObjects() {
        Path dir = Path.of("..", "shared", "kpatch-unit-objs", "x86_64").toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new AssertionError(dir + " is missing: the tests need ../shared/kpatch-unit-objs beside the repository");
        }
        return dir;
    }

    public static List<Path> allObjects() {
        try (Stream<Path> s = Files.list(unitObjects())) {
            return s.filter(p -> p.toString().endsWith(".o")).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
