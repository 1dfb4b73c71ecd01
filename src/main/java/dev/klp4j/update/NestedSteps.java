package dev.klp4j.update;

import dev.klp4j.pipeline.Step;
import dev.klp4j.pipeline.StepListener;

/** Shows the steps of a build inside an update as progress of the update's own step. */
final class NestedSteps implements StepListener {
    private final StepListener outer;
    private final String step;

    NestedSteps(StepListener outer, String step) {
        this.outer = outer;
        this.step = step;
    }

    @Override public void started(String s) { }
    @Override public void progress(String s, String message) { outer.progress(step, s + ": " + message); }
    @Override public void finished(Step s) { if (s.failed()) outer.note("  " + step + ": " + s.name() + " failed"); }
    @Override public void note(String line) { outer.note(line); }
}
