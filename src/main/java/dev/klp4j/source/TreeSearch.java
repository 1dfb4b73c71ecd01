package dev.klp4j.source;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * The C and assembly files of a kernel tree that name an identifier: the callers of a function in
 * objects a build does not compile, which only the source shows (there is no vmlinux with
 * relocations to ask). A word match, so a comment naming it counts too: the answer errs on the
 * side of "still used". grep reads the 1.7 GB tree in about a second once it is in the page cache.
 */
public final class TreeSearch {
    private final Path tree;
    private final Predicate<String> built;

    /** Every file of {@code tree} counts. */
    public TreeSearch(Path tree) {
        this(tree, f -> true);
    }

    /**
     * Only the files {@code built} accepts count: a file this config does not build calls nothing
     * (6.1's avs/core.c, which names snd_hdac_link_free_all, is not built on amd64).
     */
    public TreeSearch(Path tree, Predicate<String> built) {
        this.tree = tree;
        this.built = built;
    }

    /** Up to {@code max} files (relative, sorted) naming {@code identifier} that count, leaving out {@code except}. */
    public List<String> filesNaming(String identifier, Collection<String> except, int max) {
        if (!identifier.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("not a C identifier: " + identifier);
        Toolchain.Result r = Toolchain.HOST.run(tree, List.of("grep", "-rlwsF", "--include=*.c", "--include=*.S", "-e", identifier, "."),
                Map.of(), new byte[0]);
        // grep: 0 found, 1 none found, 2 an error (-s only silences the messages: a file it could not read is still one).
        if (r.status() > 1) throw new Failure(Failure.Kind.TOOL, "grep for " + identifier + " in " + tree + ": " + r.tail(3));
        List<String> named = new ArrayList<>();
        for (String line : r.output().split("\n")) {
            String f = line.startsWith("./") ? line.substring(2) : line;
            if (!f.isEmpty() && !except.contains(f)) named.add(f);
        }
        named.sort(null);
        // Asking whether a file is built can cost a make call per directory: only until max are found.
        List<String> out = new ArrayList<>();
        for (String f : named) {
            if (out.size() == max) break;
            if (built.test(f)) out.add(f);
        }
        return out;
    }

    /** The text of {@code file} (relative to the tree), or empty when it cannot be read. */
    public String text(String file) {
        try {
            return Files.readString(tree.resolve(file), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
