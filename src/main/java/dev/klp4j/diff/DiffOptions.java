package dev.klp4j.diff;

import java.util.Objects;

/**
 * Options of one diff: special-section entry sizes and the name of the kernel object the
 * patched functions live in ({@code vmlinux} or a module name).
 */
public record DiffOptions(StructSizes structSizes, String objectName) {
    public DiffOptions {
        Objects.requireNonNull(structSizes, "structSizes");
        Objects.requireNonNull(objectName, "objectName");
        if (objectName.isBlank()) throw new IllegalArgumentException("object name is empty");
    }

    public static DiffOptions defaults() {
        return new DiffOptions(StructSizes.defaults(), "vmlinux");
    }

    public DiffOptions withStructSizes(StructSizes s) {
        return new DiffOptions(s, objectName);
    }

    public DiffOptions withObjectName(String name) {
        return new DiffOptions(structSizes, name);
    }
}
