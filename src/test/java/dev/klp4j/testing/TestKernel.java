package dev.klp4j.testing;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.CacheLock;

import dev.klp4j.debian.TargetResolver;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.kbuild.SourceTreeCache;

/**
 * The target kernel for tests that need the real Debian kernel packages. The project's own
 * scripts install them (`make test` runs scripts/install-deps.sh first), so a missing package
 * fails the test instead of skipping it: a skipped kernel test would hide a broken install.
 */
public final class TestKernel {
    private TestKernel() {}

    public static KernelTarget target() {
        try {
            return new TargetResolver().resolve();
        } catch (Failure e) {
            throw new AssertionError("target kernel packages missing (run scripts/install-deps.sh kernel): " + e.getMessage(), e);
        }
    }

    /**
     * Holds the target's shared source tree for a test class that compiles in it or patches it
     * directly (the build takes the same lock itself): test classes run two at a time, and a build
     * in the other must not see this class's patch. Take it in {@code @BeforeAll}, close it in
     * {@code @AfterAll} (both run on the class's thread).
     */
    public static CacheLock holdTree(KernelTarget target) {
        CacheLock held = new SourceTreeCache(SourceTreeCache.dirFor(CacheRoot.path(), target), target, 2).lock();
        preparedTree(target);
        return held;
    }

    /** The shared source-tree cache of the target, unpacked and prepared (once per machine). */
    public static SourceTreeCache preparedTree(KernelTarget target) {
        SourceTreeCache c = new SourceTreeCache(SourceTreeCache.dirFor(CacheRoot.path(), target), target, 2);
        c.ensure(m -> { });
        return c;
    }
}
