package dev.klp4j.kernel;

import dev.klp4j.base.Failure;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Whether a module file can be removed once loaded: a module with init code but no exit function
 * ({@code module_exit} defines {@code cleanup_module}) is permanent, the kernel refuses to remove
 * it ("[permanent]" in /proc/modules). klp4j builds a patch so when it carries changed tables that
 * running code may point into.
 */
public final class ModuleExit {
    private ModuleExit() {}

    public static boolean permanent(Path ko) {
        try {
            return ElfReader.read(ko).symbols().stream().noneMatch(s -> s.name().equals("cleanup_module"));
        } catch (IOException | ElfFormatException e) {
            throw new Failure(Failure.Kind.TOOL, ko + ": cannot read the module: " + e.getMessage());
        }
    }
}
