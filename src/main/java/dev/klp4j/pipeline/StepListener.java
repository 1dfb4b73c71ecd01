package dev.klp4j.pipeline;

/**
 * Where a build's progress goes: the terminal, a JSON run's standard error, a test. The pipeline
 * says what happens; how it looks is the listener's business.
 */
public interface StepListener {
    /** A step begins. */
    void started(String step);

    /** A note inside a long step (a download, a count): shown while the step runs. */
    void progress(String step, String message);

    /** A step ended, done or failed. */
    void finished(Step step);

    /** A line the user should read: a warning, a finding, where the work directory was kept. */
    void note(String line);

    /**
     * Runs {@code body} as the step {@code name}: started, then finished with its time and
     * {@code detail} of its result, or with {@link Step#FAILED} when it throws (rethrown).
     */
    default <T> T timed(String name, java.util.function.Supplier<T> body, java.util.function.Function<T, String> detail) {
        long t0 = System.nanoTime();
        started(name);
        T v;
        try {
            v = body.get();
        } catch (RuntimeException e) {
            finished(new Step(name, (System.nanoTime() - t0) / 1e9, Step.FAILED));
            throw e;
        }
        finished(new Step(name, (System.nanoTime() - t0) / 1e9, detail.apply(v)));
        return v;
    }

    /** Says nothing. */
    StepListener SILENT = new StepListener() {
        @Override public void started(String step) { }
        @Override public void progress(String step, String message) { }
        @Override public void finished(Step step) { }
        @Override public void note(String line) { }
    };
}
