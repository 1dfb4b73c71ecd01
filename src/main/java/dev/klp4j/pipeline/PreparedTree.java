package dev.klp4j.pipeline;

import java.nio.file.Path;

/**
 * The target's configured and prepared source tree, held for this build (a build patches it in
 * place): builds of one release take turns, in this JVM or another. Closing it lets the next build
 * have it and removes this build's work directory.
 *
 * @param made true when this build unpacked and prepared it, false when it was cached
 */
public record PreparedTree(Path tree, boolean made, Runnable release) implements AutoCloseable {
    @Override
    public void close() {
        release.run();
    }
}
