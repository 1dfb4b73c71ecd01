package dev.klp4j.update;

import dev.klp4j.pipeline.StepListener;
import dev.klp4j.vm.GuestReport;

/** Where an update's progress goes: its steps (as a build's), each fix as it is decided, the proof's phases. */
public interface UpdateListener extends StepListener {
    /**
     * Fix {@code done} of {@code total} is decided; {@code etaSeconds} is the time the rest should
     * take at the pace so far, negative when unknown.
     */
    void decided(int done, int total, FixDecision decision, double etaSeconds);

    /** A phase of the proof ended. */
    void proofPhase(GuestReport.Phase phase);
}
