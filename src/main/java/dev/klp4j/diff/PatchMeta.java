package dev.klp4j.diff;

import dev.klp4j.elf.Elf;
import java.util.List;
import java.util.Optional;

/**
 * What the module step needs besides the patch object's ELF: the owner, the functions the object
 * carries and the symbols it refers to but does not define. On disk it is the {@code .klp4j.meta}
 * section written by {@link PatchObjectFile}; see "Patch object format" in the README.
 *
 * @param object     the kernel object the patched functions live in: vmlinux or a module name
 * @param functions  every function the patch object carries
 * @param references one per undefined symbol of the patch object
 * @param newData    data objects the patch adds (the kernel macros' bookkeeping statics left out)
 * @param tables     changed read-only tables carried anew, their readers replaced: running code may keep
 *                   pointers into them, so the module that holds them is never removed
 */
public record PatchMeta(String object, List<Function> functions, List<Reference> references, List<String> newData,
                        List<String> tables) {
    public PatchMeta {
        functions = List.copyOf(functions);
        references = List.copyOf(references);
        newData = List.copyOf(newData);
        tables = List.copyOf(tables);
    }

    /** A patch object that carries no changed table. */
    public PatchMeta(String object, List<Function> functions, List<Reference> references, List<String> newData) {
        this(object, functions, references, newData, List.of());
    }

    /**
     * A function the patch object carries, named as in the original object.
     *
     * @param oldSize        size of the original body (0 when new)
     * @param originalSympos 1-based position among the original object's symbols of this name
     *                       (0 when it has none); not the kernel's position, which klp resolves
     * @param global         whether the patched source defines it non-static (other objects of the
     *                       patch may call it)
     */
    public record Function(String name, FunctionStatus status, long oldSize, long newSize, int originalSympos, boolean global) {}

    /**
     * An undefined symbol of the patch object, resolved against the running kernel.
     *
     * @param symbolType     {@link Elf#STT_FUNC}, {@link Elf#STT_OBJECT}, {@link Elf#STT_TLS} or
     *                       {@link Elf#STT_NOTYPE}, as in the original object
     * @param wasLocal       the original object defined it LOCAL: it must be found through
     *                       kallsyms, not among the exports
     * @param originalSympos as for {@link Function#originalSympos}
     */
    public record Reference(String name, int symbolType, boolean wasLocal, int originalSympos) {}

    /** The reference named {@code name}, if the patch object has one. */
    public Optional<Reference> reference(String name) {
        for (Reference r : references) if (r.name().equals(name)) return Optional.of(r);
        return Optional.empty();
    }

    /** Whether {@code name} is a reference to a symbol the original object defined LOCAL. */
    public boolean wasLocal(String name) {
        return reference(name).map(Reference::wasLocal).orElse(false);
    }
}
