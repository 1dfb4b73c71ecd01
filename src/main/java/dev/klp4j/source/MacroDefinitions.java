package dev.klp4j.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The macros a header sees: its own #defines and those of the headers it includes, transitively,
 * read from a kernel tree on demand. Just enough to tell what a macro invocation the patch adds to a
 * header (DEFINE_FREE(...)) expands to, without preprocessing any of the header's users.
 */
public final class MacroDefinitions {
    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]");
    /** A header fan-out stops here: a definition that far away is not worth the reading. */
    private static final int MAX_FILES = 3000;

    private final Path tree;
    private final String header;
    private final String text;
    private final Map<String, String> texts = new HashMap<>();

    /** The macros {@code header} (tree-relative) sees when its text is {@code text} (the patched one, say). */
    public MacroDefinitions(Path tree, String header, String text) {
        this.tree = tree;
        this.header = header;
        this.text = text;
    }

    /**
     * The definition of macro {@code name}: "(params) body" for a function-like macro, " body"
     * otherwise, continuation lines kept; the first found, breadth first from the header. Null when
     * none of the headers it reaches defines it.
     */
    public String definition(String name) {
        Pattern define = Pattern.compile("(?m)^\\s*#\\s*define\\s+" + Pattern.quote(name) + "(?![A-Za-z0-9_])((?:[^\\n]*\\\\\\n)*[^\\n]*)");
        Set<String> seen = new HashSet<>();
        ArrayDeque<String> work = new ArrayDeque<>(List.of(header));
        seen.add(header);
        while (!work.isEmpty() && seen.size() <= MAX_FILES) {
            String file = work.poll();
            String t = file.equals(header) ? text : read(file);
            if (t == null) continue;
            Matcher m = define.matcher(t);
            if (m.find()) return m.group(1);
            Matcher inc = INCLUDE.matcher(t);
            while (inc.find()) {
                String target = IncludePath.resolve(file, inc.group(1).equals("\""), inc.group(2), f -> Files.isRegularFile(tree.resolve(f)));
                if (target != null && seen.add(target)) work.add(target);
            }
        }
        return null;
    }

    private String read(String file) {
        return texts.computeIfAbsent(file, f -> {
            try {
                return Files.readString(tree.resolve(f), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                return null;
            }
        });
    }
}
