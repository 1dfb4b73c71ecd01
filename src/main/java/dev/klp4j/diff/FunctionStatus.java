package dev.klp4j.diff;

/** What the patch module does with a function the patch object carries. */
public enum FunctionStatus {
    /** Replaces a function of the running kernel: the livepatch core redirects calls to it. */
    CHANGED,
    /** Not in the running kernel: nothing to redirect (a callback, a helper, a new export). */
    NEW,
    /**
     * A private copy of a changed function that cannot be redirected (a static without an ftrace
     * call): its callers are redirected and call this copy.
     */
    COPY
}
