package dev.klp4j.pipeline;

/**
 * A listener that only remembers which step failed: a caller that decides from a build's failure
 * (klp4j update) tells a compile error from klp4j's own by it.
 */
public final class FailedStep implements StepListener {
    private String name;

    /** The step that failed last, or null. */
    public String name() {
        return name;
    }

    @Override public void started(String s) { }
    @Override public void progress(String s, String message) { }
    @Override public void finished(Step s) { if (s.failed()) name = s.name(); }
    @Override public void note(String line) { }
}
