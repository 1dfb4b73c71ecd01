package dev.klp4j.review;

/** How bad a finding is; the report's verdict is its worst finding's. */
public enum Severity {
    /** Loading the patch can corrupt memory or crash: the build stops unless the rule is accepted. */
    UNSAFE("unsafe"),
    /** Can be right, but only if the author checked what the finding names. */
    NEEDS_CARE("needs-care"),
    /** Worth knowing (the real size of the patch), nothing to fix. */
    INFO("info");

    private final String id;

    Severity(String id) {
        this.id = id;
    }

    /** The name in reports and --json. */
    public String id() {
        return id;
    }
}
