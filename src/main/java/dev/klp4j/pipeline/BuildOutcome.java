package dev.klp4j.pipeline;

/** How a build ended, when it ran to a decision (failures of input or tools are a {@code Failure}). */
public enum BuildOutcome {
    /** A module was written. */
    BUILT,
    /** Stopped after compiling and deciding owners, as asked (--compile-only). */
    COMPILED,
    /** Stopped after resolving symbols, as asked: the module would be written. */
    LINKED,
    /** Stopped after the review, as asked (klp4j review). */
    REVIEWED,
    /** The change cannot be live patched (safely): the reason says why and what to do. */
    REFUSED,
    /** The patch changes nothing that needs patching. */
    NO_CHANGE
}
