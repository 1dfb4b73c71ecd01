package dev.klp4j.source;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The headers patch authors include from their patches: {@code kpatch-macros.h} and
 * {@code kpatch-syscall.h}, klp4j's own versions of kpatch-build's, so that patches written for
 * kpatch build unchanged. They ship inside klp4j and are put on the include path of every object
 * a build compiles, on both sides. With them goes klp4j's replacement of x86's runtime constants
 * ({@link #RUNTIME_CONSTANTS}), which the compiler forces in.
 */
public final class AuthorHeaders {
    /** Not for authors: forced into every compile of a kernel with runtime constants (see the header). */
    public static final String RUNTIME_CONSTANTS = "klp4j-runtime-const.h";

    public static final List<String> NAMES = List.of("kpatch-macros.h", "kpatch-syscall.h", RUNTIME_CONSTANTS);

    private AuthorHeaders() {}

    /** Writes the headers into {@code dir} (made if missing) and returns it, for {@code -I}. */
    public static Path writeTo(Path dir) {
        try {
            Files.createDirectories(dir);
            for (String name : NAMES) {
                try (InputStream in = AuthorHeaders.class.getResourceAsStream("/dev/klp4j/include/" + name)) {
                    if (in == null) throw new IllegalStateException("klp4j is missing its resource " + name);
                    Files.write(dir.resolve(name), in.readAllBytes());
                }
            }
            return dir;
        } catch (IOException e) {
            throw new Failure("cannot write the patch-author headers to " + dir + ": " + e.getMessage());
        }
    }
}
