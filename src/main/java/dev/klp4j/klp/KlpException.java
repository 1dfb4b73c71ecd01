package dev.klp4j.klp;

/** A symbol that cannot be resolved without guessing, or a patch module that cannot be made; the message names it. */
public final class KlpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KlpException(String message) {
        super(message);
    }
}
