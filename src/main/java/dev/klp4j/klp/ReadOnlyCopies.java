package dev.klp4j.klp;

import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Unchanged read-only data the patch refers to, carried in the patch instead of referred to in the
 * running object, when the running object defines its name several times and nothing tells which
 * one is this file's (a composite module such as amdgpu, linked from hundreds of files that each
 * have a {@code static const} mask table of the same name, without FILE symbols in the module).
 * Only plain constant bytes qualify: an object in a read-only section with no relocation into it
 * is the same wherever it lives, and code only reads it (an address of such data is not compared
 * with another's in the kernel). Anything else stays a livepatch reference, and its ambiguity an
 * error.
 */
final class ReadOnlyCopies {
    private ReadOnlyCopies() {}

    /**
     * Defines in {@code patch} each undefined symbol {@code ambiguous} names with a copy of its
     * bytes from {@code compiled} (the patched object as compiled); returns the names copied.
     */
    static List<String> copy(PatchObject patch, ElfFile compiled, Predicate<String> ambiguous) {
        List<String> copied = new ArrayList<>();
        if (compiled == null) return copied;
        for (Symbol s : patch.elf().symbols()) {
            if (s.section() != null || s.name().isEmpty() || !patch.meta().wasLocal(s.name()) || !ambiguous.test(s.name())) continue;
            Symbol def = plainConstant(compiled, s.name());
            if (def == null) continue;
            Section from = def.section();
            byte[] bytes = java.util.Arrays.copyOfRange(from.data(), (int) def.value(), (int) (def.value() + def.size()));
            Section copy = new Section(".rodata.klp4j." + s.name(), Elf.SHT_PROGBITS, Elf.SHF_ALLOC, from.addralign(), 0, bytes);
            patch.elf().sections().add(copy);
            s.section(copy).value(0).size(def.size()).type(Elf.STT_OBJECT).bind(Elf.STB_LOCAL);
            copied.add(s.name());
        }
        return copied;
    }

    /** The one local object named {@code name} in a read-only data section with no relocation into its bytes; else null. */
    private static Symbol plainConstant(ElfFile compiled, String name) {
        Symbol def = null;
        for (Symbol s : compiled.symbols(name)) {
            if (!s.isObject() || !s.isLocal() || s.section() == null) continue;
            if (def != null) return null; // two in one file: not telling which either
            def = s;
        }
        if (def == null || def.size() <= 0) return null;
        Section sec = def.section();
        if (!sec.isAlloc() || sec.isText() || (sec.flags() & Elf.SHF_WRITE) != 0 || sec.type() != Elf.SHT_PROGBITS) return null;
        if (def.value() + def.size() > sec.data().length) return null;
        for (RelocationSection rs : compiled.relocationSections()) {
            if (rs.target() != sec) continue;
            for (Relocation r : rs.relocations()) {
                if (r.offset() >= def.value() && r.offset() < def.value() + def.size()) return null;
            }
        }
        return def;
    }
}
