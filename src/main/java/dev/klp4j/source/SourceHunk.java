package dev.klp4j.source;

import java.util.List;

/**
 * The part of one source hunk that falls in one top-level construct of a patched file.
 *
 * @param file        the file, relative to the tree
 * @param line        the first line of its construct (1-based, on the side that has it)
 * @param scope       what the construct is
 * @param name        the function, variable or macro it defines, or null
 * @param declaration the construct's text before its body ("static int __init foo(void)"), or its whole text when short
 * @param removed     the lines the hunk removes from the construct
 * @param added       the lines the hunk adds to it
 */
public record SourceHunk(String file, int line, Scope scope, String name, String declaration, List<String> removed, List<String> added) {
    /** The kind of construct a hunk falls in. */
    public enum Scope { FUNCTION, DATA, TYPE, DECLARATION, MACRO, OTHER }

    public SourceHunk {
        removed = List.copyOf(removed);
        added = List.copyOf(added);
    }
}
