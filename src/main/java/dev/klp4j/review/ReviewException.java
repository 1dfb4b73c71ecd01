package dev.klp4j.review;

/** The review could not run (a tool failed, an object could not be read): not a finding. */
public class ReviewException extends RuntimeException {
    public ReviewException(String message) {
        super(message);
    }
}
