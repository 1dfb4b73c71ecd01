package dev.klp4j.pipeline;

/** One step of a build as it ended: its name, its time, and a line of detail ("failed" when it threw). */
public record Step(String name, double seconds, String detail) {
    public static final String FAILED = "failed";

    public boolean failed() {
        return FAILED.equals(detail);
    }
}
