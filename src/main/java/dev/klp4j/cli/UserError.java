package dev.klp4j.cli;

/** A failure the user can act on: printed as one line, no stack trace, with its own {@link ExitStatus}. */
public final class UserError extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int exitCode;

    public UserError(int exitCode, String message) {
        super(message);
        this.exitCode = exitCode;
    }

    public UserError(String message) {
        this(ExitStatus.INPUT, message);
    }

    public int exitCode() {
        return exitCode;
    }
}
