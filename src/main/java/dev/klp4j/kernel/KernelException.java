package dev.klp4j.kernel;

/**
 * A failure of an action on a kernel, a module or a VM that the user can act on. The message is
 * one line that names the cause and the next step; the CLI prints it without a stack trace.
 * {@link #isInputError()} tells bad input from an operation that ran and failed (the CLI gives them
 * different exit statuses).
 */
public class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean inputError;

    public KernelException(String message) {
        this(message, true);
    }

    public KernelException(String message, boolean inputError) {
        super(message);
        this.inputError = inputError;
    }

    /** A failed operation (a stalled transition, a failing VM phase), not bad input. */
    public static KernelException failed(String message) {
        return new KernelException(message, false);
    }

    public boolean isInputError() {
        return inputError;
    }
}
