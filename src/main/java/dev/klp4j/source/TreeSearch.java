package dev.klp4j.source;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The C and assembly files of a kernel tree that name an identifier: the callers of a function in
 * objects a build does not compile, which only the source shows (there is no vmlinux with
 * relocations to ask). A word match, so a comment naming it counts too: the answer errs on the
 * side of "still used". grep reads the 1.7 GB tree in about a second once it is in the page cache.
 */
public final class TreeSearch {
    private final Path tree;

    public TreeSearch(Path tree) {
        this.tree = tree;
    }

    /** Up to {@code max} files (relative, sorted) naming {@code identifier}, leaving out {@code except}. */
    public List<String> filesNaming(String identifier, Collection<String> except, int max) {
        if (!identifier.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("not a C identifier: " + identifier);
        Toolchain.Result r = Toolchain.HOST.run(tree, List.of("grep", "-rlwsF", "--include=*.c", "--include=*.S", "-e", identifier, "."),
                Map.of(), new byte[0]);
        // grep: 0 found, 1 none found, 2 an error (an unreadable file is skipped by -s, not an error).
        if (r.status() > 1) throw new Failure(Failure.Kind.TOOL, "grep for " + identifier + " in " + tree + ": " + r.tail(3));
        List<String> out = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            String f = line.startsWith("./") ? line.substring(2) : line;
            if (!f.isEmpty() && !except.contains(f)) out.add(f);
        }
        out.sort(null);
        return out.size() > max ? out.subList(0, max) : out;
    }
}
