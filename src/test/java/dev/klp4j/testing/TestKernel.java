package dev.klp4j.testing;

import dev.klp4j.build.BuildException;
import dev.klp4j.build.KernelTarget;
import dev.klp4j.build.SourceTreeCache;

/**
 * The target kernel for tests that need the real Debian kernel packages. The project's own
 * scripts install them (`make test` runs scripts/install-deps.sh first), so a missing package
 * fails the test instead of skipping it: a skipped kernel test would hide a broken install.
 */
public final class TestKernel {
    private TestKernel() {}

    public static KernelTarget target() {
        try {
            return new KernelTarget.Builder().resolve();
        } catch (BuildException e) {
            throw new AssertionError("target kernel packages missing (run scripts/install-deps.sh kernel): " + e.getMessage(), e);
        }
    }

    /** The shared source-tree cache of the target, unpacked and prepared (once per machine). */
    public static SourceTreeCache preparedTree(KernelTarget target) {
        SourceTreeCache c = new SourceTreeCache(SourceTreeCache.dirFor(SourceTreeCache.defaultRoot(), target), target, 2);
        c.ensure(m -> { });
        return c;
    }
}
