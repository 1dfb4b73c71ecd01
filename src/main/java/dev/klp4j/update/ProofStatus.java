package dev.klp4j.update;

/** Whether the update's module was proven in the VM: a failed proof ships nothing, so it claims nothing. */
public enum ProofStatus {
    /** Not asked for (no --prove), or there is no module to prove. */
    NOT_RUN,
    PASSED,
    FAILED
}
