package dev.klp4j.base;

import java.util.Objects;

/**
 * klp4j's one exception: a failure the user can act on. The message is one line that names the
 * file, hunk, symbol or tool at fault and the next step; {@link #kind()} says what went wrong, and
 * the CLI alone turns it into an exit status. Expected outcomes (a refused change, no change) are
 * values of a result (pipeline.BuildOutcome, diff.DiffResult.Outcome), never a Failure: this is
 * thrown only where the work cannot go on.
 */
public final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as the user is concerned. */
    public enum Kind {
        /** Bad input or environment: the patch does not apply, a package is missing, a symbol is ambiguous. */
        INPUT,
        /** A tool klp4j runs (make, gcc, patch, ld, apt, pahole) failed or could not start. */
        TOOL,
        /** The input was fine and the operation ran, but it failed (a stalled transition, a VM phase). */
        FAILED
    }

    private final Kind kind;

    public Failure(Kind kind, String message) {
        super(message);
        this.kind = Objects.requireNonNull(kind, "kind");
    }

    /** Bad input or environment ({@link Kind#INPUT}). */
    public Failure(String message) {
        this(Kind.INPUT, message);
    }

    /** An operation that ran and failed ({@link Kind#FAILED}). */
    public static Failure failed(String message) {
        return new Failure(Kind.FAILED, message);
    }

    public Kind kind() {
        return kind;
    }
}
