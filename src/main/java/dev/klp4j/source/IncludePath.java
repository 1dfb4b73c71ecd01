package dev.klp4j.source;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

/** Which file of a kernel tree an {@code #include} line names, as kbuild's -I options find it on x86. */
public final class IncludePath {
    /** The -I directories, in the order kbuild passes them for x86. */
    private static final List<String> DIRS = List.of("arch/x86/include/", "arch/x86/include/generated/", "include/",
            "arch/x86/include/uapi/", "arch/x86/include/generated/uapi/", "include/uapi/", "include/generated/uapi/");

    private IncludePath() {}

    /**
     * The tree-relative file that {@code #include "name"} ({@code quoted}) or {@code <name>} in the
     * file {@code from} names, or null when none {@code exists} (a generated header not made yet).
     */
    public static String resolve(String from, boolean quoted, String name, Predicate<String> exists) {
        if (quoted) {
            Path parent = Path.of(from).getParent();
            String local = (parent == null ? Path.of(name) : parent.resolve(name)).normalize().toString();
            if (exists.test(local)) return local;
        }
        for (String dir : DIRS) if (exists.test(dir + name)) return dir + name;
        return null;
    }
}
