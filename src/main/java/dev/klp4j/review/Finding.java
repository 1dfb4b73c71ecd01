package dev.klp4j.review;

import java.util.Objects;

/**
 * One thing the review found.
 *
 * @param rule     which rule
 * @param severity how bad
 * @param file     the source file of the hunk (or of the object) it is about
 * @param function the function it is about, or null
 * @param type     the type it is about ("struct foo"), or null
 * @param message  what is wrong and why it matters at run time
 * @param remedy   what the author can do instead
 */
public record Finding(Rule rule, Severity severity, String file, String function, String type, String message, String remedy) {
    public Finding {
        Objects.requireNonNull(rule, "rule");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(remedy, "remedy");
    }

    /** One line for the terminal: "unsafe  type-layout  fs/x.c  struct foo: MESSAGE". */
    public String line() {
        String where = type != null ? type : function != null ? function + "()" : null;
        return String.format("%-10s %-18s %s%s: %s", severity.id(), rule.id(), file, where == null ? "" : " " + where, message);
    }
}
