package dev.klp4j.cli;

import dev.klp4j.diff.DiffResult;
import dev.klp4j.base.Failure;

/**
 * The process exit statuses of every klp4j command, and the one place where the domain's outcomes
 * (a diff's {@link DiffResult.Outcome}, a build's outcome, a {@link Failure.Kind}, a failed kernel
 * or VM operation) become numbers. The README's "Exit status" table documents the same.
 *
 * <p>3 means "nothing to patch" for {@code build} and {@code diff} (kpatch-build's and the test
 * corpus's convention) but "the operation ran and failed" for the commands that run something
 * ({@code vm}, {@code load}, {@code unload}, ..., {@code build --prove}); both names exist so each
 * call site says which it means.
 */
public final class ExitStatus {
    private ExitStatus() {}

    /** Success. */
    public static final int OK = 0;
    /** A bug in klp4j (an unexpected exception): "internal error, please report it". */
    public static final int INTERNAL = 1;
    /** Bad usage or input; for build and diff also a change that cannot be live patched. */
    public static final int INPUT = 2;
    /** build, diff: the patch changes nothing that needs patching. */
    public static final int NO_CHANGE = 3;
    /** vm, the runtime commands, build --prove: the input was fine but the operation failed. */
    public static final int FAILED = 3;
    /** build: a tool it runs (make, gcc, patch, ld) failed. */
    public static final int TOOL = 4;

    /** klp4j diff (and each row of --batch, and the diff's status in the --json reports). */
    public static int ofDiff(DiffResult.Outcome outcome) {
        return switch (outcome) {
            case PATCH -> OK;
            case REFUSED -> INPUT;
            case NO_CHANGE -> NO_CHANGE;
        };
    }

    /**
     * klp4j build and review, when they could not go on (a refused change and no change are the
     * build's outcomes, mapped by BuildCommand); the proof fails as an operation, see {@link #ofOperation}.
     */
    public static int ofBuild(Failure.Kind kind) {
        return switch (kind) {
            case INPUT -> INPUT;
            case TOOL -> TOOL;
            case FAILED -> FAILED;
        };
    }

    /**
     * A command that runs something (a VM, a load, a proof). A Failure there comes from
     * fetching another Debian release's kernel: anything but bad input means the archive, the
     * network or the unpacking failed, so the operation failed.
     */
    static int ofOperation(Failure.Kind kind) {
        return kind == Failure.Kind.INPUT ? INPUT : FAILED;
    }
}
