package dev.klp4j.update;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Small source trees for the update's tests: two versions of a kernel's files. */
final class SourceFiles {
    private SourceFiles() {}

    /** Writes {@code text} to {@code root/file}, making its directories. */
    static void write(Path root, String file, String text) throws IOException {
        Path p = root.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }
}
