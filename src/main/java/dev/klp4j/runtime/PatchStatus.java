package dev.klp4j.runtime;

import java.util.List;

/** A loaded livepatch as sysfs shows it, with the objects and functions it patches. */
public record PatchStatus(String name, boolean enabled, boolean inTransition, List<PatchedObject> objects) {

    /** A patched object: "vmlinux" or a module name; {@code loaded} is sysfs's "patched" flag when present. */
    public record PatchedObject(String name, Boolean patched, List<PatchedFunction> functions) {}

    /** A patched function and its symbol position ({@code name,sympos} in sysfs). */
    public record PatchedFunction(String name, int sympos) {}
}
