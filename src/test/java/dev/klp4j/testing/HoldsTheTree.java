package dev.klp4j.testing;

import dev.klp4j.base.CacheLock;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * {@code @ExtendWith(HoldsTheTree.class)}: the test class holds the target's shared source tree
 * from its first test to its last (see {@link TestKernel#holdTree}), for a short class that
 * compiles in the tree directly.
 */
public final class HoldsTheTree implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(HoldsTheTree.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getStore(NS).put("held", TestKernel.holdTree(TestKernel.target()));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        CacheLock held = context.getStore(NS).remove("held", CacheLock.class);
        if (held != null) held.close();
    }
}
