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
}
