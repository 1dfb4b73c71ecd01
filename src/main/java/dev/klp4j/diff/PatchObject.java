package dev.klp4j.diff;

import dev.klp4j.elf.ElfFile;
import java.util.Objects;

/**
 * The differ's output for one object, as the module step takes it: the relocatable ELF it links
 * into the patch module, and the metadata that says what to do with it. The ELF holds no
 * {@code .klp4j.meta} section: that is the on-disk form ({@link PatchObjectFile}).
 *
 * <p>The ELF model is mutable and the module step edits it in place (symbol bindings, renamed
 * references, aliases): a patch object is used once.
 */
public record PatchObject(ElfFile elf, PatchMeta meta) {
    public PatchObject {
        Objects.requireNonNull(elf, "elf");
        Objects.requireNonNull(meta, "meta");
    }

    /**
     * Whether anything can run this object's code once the patch is loaded: a function it
     * redirects (or a copy its redirected callers call), a callback, or an export that modules
     * loaded later may call. New functions alone run only when something calls them.
     */
    public boolean reachable() {
        for (PatchMeta.Function f : meta.functions()) if (f.status() != FunctionStatus.NEW) return true;
        for (dev.klp4j.elf.Section s : elf.sections()) {
            if (Directives.isCallbackSection(s) || s.name().startsWith("___ksymtab")
                    || (s.name().equals(SpecialSections.EXPORTS) && s.size() > 0)) return true;
        }
        return false;
    }
}
