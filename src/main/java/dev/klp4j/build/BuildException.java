package dev.klp4j.build;

/**
 * A build failure the user can act on (bad patch, missing package, refused change). The message is
 * one line and names the file, hunk or symbol at fault; {@link #exitCode()} is the process status.
 */
public final class BuildException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Bad input or environment (patch does not apply, package missing, ...). */
    public static final int INPUT = 2;
    /** The differ found nothing to patch. */
    public static final int NO_CHANGE = 3;
    /** A tool the pipeline runs (make, gcc, patch, ld) failed. */
    public static final int TOOL = 4;

    private final int exitCode;

    public BuildException(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public BuildException(String message) {
        this(INPUT, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
