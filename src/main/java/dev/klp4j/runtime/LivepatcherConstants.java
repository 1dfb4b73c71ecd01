package dev.klp4j.runtime;

/**
 * Timing shared by {@link Livepatcher} and its shell twin in the guest runtime klp4j-guest.sh
 * (the fallback when the VM cannot run Java)
 * (a test checks the script uses the same values).
 */
public final class LivepatcherConstants {
    /** How often the transition attribute is polled. */
    public static final long POLL_MS = 10;
    /** The stall interval is a quarter of the timeout, at most this. */
    public static final long MAX_STALL_MS = 2000;

    private LivepatcherConstants() {}
}
