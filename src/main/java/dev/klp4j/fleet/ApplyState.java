package dev.klp4j.fleet;

/** What became of the installed patch of the running kernel, as {@code klp4j status} reports it. */
public enum ApplyState {
    /** Loaded, enabled, its transition finished and the quiet period passed without an oops naming it. */
    APPLIED("applied"),
    /** Loaded by an earlier apply of this boot. */
    LOADED("loaded"),
    /** Installed, not loaded yet: klp4j apply (klp4j.service at boot) loads it. */
    NOT_LOADED("not-loaded"),
    /** No klp4j-livepatch package for the running release. */
    NONE("none"),
    /** klp4j.disable=1 on the kernel command line, or /etc/klp4j/disable. */
    DISABLED("disabled"),
    /** The host runs another build of the same ABI name than the patch was made for. */
    WRONG_BUILD("wrong-build"),
    /** An earlier attempt never confirmed (a crash or reboot), or an oops named the patch: never loaded again. */
    GUARDED("guarded"),
    /** The kernel loads only signed modules and this one is not signed. */
    NOT_SIGNED("not-signed"),
    /** The kernel refused the module's signature: its certificate is not trusted. */
    KEY_REJECTED("key-rejected"),
    /** insmod or the transition failed; the system is as before. */
    FAILED("failed");

    private final String json;

    ApplyState(String json) {
        this.json = json;
    }

    public String json() {
        return json;
    }

    /** Whether the patch is in the running kernel. */
    public boolean inKernel() {
        return this == APPLIED || this == LOADED;
    }
}
