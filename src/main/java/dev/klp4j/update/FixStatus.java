package dev.klp4j.update;

/** The one class every fix of an update ends in. */
public enum FixStatus {
    /** In the update's module: loading it fixes this on the running kernel. */
    LIVE_PATCHED("live-patched"),
    /** Cannot be live patched (safely): the reason says what and why. Only a reboot into the new kernel applies it. */
    NEEDS_REBOOT("needs-reboot"),
    /** This kernel's config compiles the change away (comments, #ifdef'd code, line numbers only). */
    NO_CHANGE("no-change"),
    /** Nothing of this config builds the changed file (another architecture, a driver not configured, documentation). */
    NOT_BUILT("not-built");

    private final String id;

    FixStatus(String id) {
        this.id = id;
    }

    /** The name the report and the terminal use. */
    public String id() {
        return id;
    }
}
