package dev.klp4j.pipeline;

import dev.klp4j.review.ReviewReport;
import java.util.List;

/**
 * What a build decided, as the --json report prints it.
 *
 * @param reason  why it was refused or changed nothing; null otherwise
 * @param module  the module written, or null
 * @param review  null when the build stopped before the review
 */
public record BuildResult(String release, BuildOutcome outcome, String reason, String module, List<Step> steps,
                          List<ObjectReport> objects, ReviewReport review, double seconds) {
    public BuildResult {
        steps = List.copyOf(steps);
        objects = List.copyOf(objects);
    }
}
