package dev.klp4j.review;

import java.util.Arrays;
import java.util.Optional;

/** The review's rules, by the id that reports, --json and {@code --accept} use. */
public enum Rule {
    /** A struct or union whose size, member offsets or member types differ between the two sides. */
    TYPE_LAYOUT("type-layout"),
    /** A function whose parameters, return type or linkage changed while callers keep the old one. */
    INTERFACE("interface"),
    /** A changed initial value, or a lock or reference taken or released differently. */
    DATA_SEMANTICS("data-semantics"),
    /** A changed function some task never leaves: its transition never finishes. */
    ENDLESS_TRANSITION("endless-transition"),
    /** A function that changed only because a callee inlined into it changed. */
    INLINING_FANOUT("inlining-fanout"),
    /** A change the live patch cannot carry: init code, notrace code, assembly, the vDSO, user-space ABI. */
    NOT_PATCHABLE("not-patchable");

    private final String id;

    Rule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** The rule named {@code id} ("type-layout"), if there is one. */
    public static Optional<Rule> byId(String id) {
        return Arrays.stream(values()).filter(r -> r.id.equals(id)).findFirst();
    }
}
