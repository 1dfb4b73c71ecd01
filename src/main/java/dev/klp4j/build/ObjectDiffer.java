package dev.klp4j.build;

import java.nio.file.Path;
import java.util.List;

/**
 * The differ as the pipeline sees it: original + patched object in, OUT.o (with its
 * {@code .klp4j.meta}) out. Status as {@code klp4j diff}: 0 written, 2 refused (messages give the
 * reasons), 3 no patchable change. Implementations must be safe to call from several threads.
 */
public interface ObjectDiffer {
    record Outcome(int status, List<String> changed, List<String> added, List<String> messages) {}

    /** {@code owner} is the running object the code belongs to: vmlinux or the module's name. */
    Outcome diff(Path orig, Path patched, Path out, String owner);
}
