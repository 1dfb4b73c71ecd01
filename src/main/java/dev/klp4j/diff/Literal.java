package dev.klp4j.diff;

/**
 * What a reference into a mergeable section ({@code .rodata.str1.1}, {@code .rodata.cst16})
 * designates, compared by value rather than by offset (the linker may merge and move them): a C
 * string, a constant of the section's entry size, or an offset past the section's end.
 */
sealed interface Literal {
    /** A NUL-terminated string (without the NUL). */
    record Text(String value) implements Literal {}

    /** A fixed-size constant, as lowercase hex bytes. */
    record Constant(String hex) implements Literal {}

    /** An offset outside the section: equal only to the same offset. */
    record OutOfRange(long at) implements Literal {}

    /** The string, when this is one; else null. */
    default String text() {
        return this instanceof Text t ? t.value() : null;
    }

    /** A source position in a string: a C file or header, a colon, a line ("at arch/x86/kvm/x86.c:8493"). */
    java.util.regex.Pattern SOURCE_LINE = java.util.regex.Pattern.compile("([A-Za-z0-9_./+-]+\\.[ch]):[0-9]+");

    /**
     * Two strings that differ only in the line of a source position: what __FILE__ ":" __LINE__
     * makes (FORTIFY_SOURCE's field-spanning-write warnings name the memcpy's line) when lines
     * above moved. Not a change of the code that passes it: a message, never compared or parsed.
     */
    static boolean sameButLines(Literal a, Literal b) {
        String x = a == null ? null : a.text(), y = b == null ? null : b.text();
        if (x == null || y == null || !SOURCE_LINE.matcher(x).find()) return false;
        return SOURCE_LINE.matcher(x).replaceAll("$1:#").equals(SOURCE_LINE.matcher(y).replaceAll("$1:#"));
    }
}
