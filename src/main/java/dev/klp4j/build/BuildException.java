package dev.klp4j.build;

/**
 * A build failure the user can act on (bad patch, missing package, refused change). The message is
 * one line and names the file, hunk or symbol at fault; {@link #kind()} says what went wrong, and
 * the CLI turns it into the process's exit status.
 */
public final class BuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as far as the user is concerned. */
    public enum Kind {
        /** Bad input or environment: the patch does not apply, a package is missing, ... */
        INPUT,
        /** The patch is fine but the change cannot be live patched (the reasons are in the message). */
        REFUSED,
        /** The patch changes nothing that needs patching (only line numbers in WARN/BUG, say). */
        NO_CHANGE,
        /** A tool the pipeline runs (make, gcc, patch, ld, apt) failed. */
        TOOL
    }

    private final Kind kind;

    public BuildException(Kind kind, String message) {
        super(message);
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
    }

    /** Bad input or environment ({@link Kind#INPUT}). */
    public BuildException(String message) {
        this(Kind.INPUT, message);
    }

    public Kind kind() {
        return kind;
    }
}
