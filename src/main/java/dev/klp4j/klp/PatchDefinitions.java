package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import dev.klp4j.diff.FunctionStatus;
import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.Symbol;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The global functions and data the patch itself adds, over all its objects: a new function or
 * variable in one patched file that another patched file uses, a new static key, a new export.
 * References to them are resolved inside the patch module when it is linked, never looked up in
 * the running kernel (which does not have them).
 */
public final class PatchDefinitions {
    private final Map<String, String> definedBy = new LinkedHashMap<>();

    private PatchDefinitions() {}

    /** Collects the new global definitions of each patch object, keyed by a label for messages (its source object). */
    public static PatchDefinitions of(Map<String, PatchObject> patches) {
        PatchDefinitions d = new PatchDefinitions();
        patches.forEach((label, patch) -> {
            for (PatchMeta.Function f : patch.meta().functions()) if (isNewGlobal(f)) d.add(f.name(), label);
            for (Symbol s : patch.elf().symbols()) {
                if (s.isObject() && s.section() != null && !s.isLocal()) d.add(s.name(), label);
            }
        });
        return d;
    }

    private void add(String name, String label) {
        String other = definedBy.putIfAbsent(name, label);
        if (other != null && !other.equals(label)) {
            throw new Failure(name + " is defined by two files of the patch (" + other + ", " + label + "); keep one definition");
        }
    }

    public boolean defines(String name) {
        return definedBy.containsKey(name);
    }

    public Set<String> names() {
        return definedBy.keySet();
    }

    /**
     * The differ makes every function it carries local to its object; the new global ones become
     * global again so that the other objects of the module link against them.
     */
    public void globalize(PatchObject patch) {
        for (PatchMeta.Function f : patch.meta().functions()) {
            if (!isNewGlobal(f)) continue;
            for (Symbol s : patch.elf().symbols(f.name())) if (s.isFunction() && s.section() != null) s.bind(Elf.STB_GLOBAL);
        }
    }

    private static boolean isNewGlobal(PatchMeta.Function f) {
        return f.status() == FunctionStatus.NEW && f.global();
    }
}
