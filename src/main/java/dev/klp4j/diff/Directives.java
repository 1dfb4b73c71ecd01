package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Instructions the patch author compiled into the patched object (kpatch's macros, which klp4j
 * understands too): {@code KPATCH_IGNORE_FUNCTION(f)} puts a pointer to {@code f} in
 * {@code .kpatch.ignore.functions}; {@code KPATCH_IGNORE_SECTION(".name")} puts a pointer to the
 * section's name in {@code .kpatch.ignore.sections}. Ignored functions and sections are treated as
 * unchanged; the directive sections themselves never reach the patch object.
 */
final class Directives {
    private final Set<Symbol> ignoredFunctions = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<String> ignoredSections = new java.util.HashSet<>();

    static Directives read(ObjectIndex patched) {
        Directives d = new Directives();
        for (Section s : patched.file.sections()) {
            if (s.name().equals(".kpatch.ignore.functions") || s.name().equals(".klp4j.ignore.functions")) {
                for (Ref r : patched.refs(s)) {
                    if (r.target() != null && r.target().isFunction()) d.ignoredFunctions.add(r.target());
                }
            } else if (s.name().equals(".kpatch.ignore.sections") || s.name().equals(".klp4j.ignore.sections")) {
                for (Ref r : patched.refs(s)) if (r.literal() != null && r.literal().text() != null) d.ignoredSections.add(r.literal().text());
            }
        }
        return d;
    }

    /** Whether the author asked to ignore changes in this section (KPATCH_IGNORE_SECTION). */
    boolean ignored(Section s) {
        return ignoredSections.contains(s.name());
    }

    /** Whether the author asked to treat this patched symbol as unchanged. */
    boolean ignored(Symbol s) {
        return ignoredFunctions.contains(s) || (s.section() != null && ignoredSections.contains(s.section().name()));
    }

    /** The marker objects the directive macros define; they never reach the patch object. */
    static boolean isDirective(Symbol s) {
        String n = s.name();
        return (s.section() != null && (isDirectiveSection(s.section()) || s.section().name().equals(".kpatch.force")))
                || n.startsWith("__kpatch_ignore_func_") || n.startsWith("__UNIQUE_ID_kpatch_ignore_section_")
                || n.startsWith("__kpatch_force_func_");
    }

    /** Sections that only carry directives or callbacks' bookkeeping and are never copied as such. */
    static boolean isDirectiveSection(Section s) {
        return s.name().startsWith(".kpatch.ignore.") || s.name().startsWith(".klp4j.ignore.");
    }

    /** Patch callbacks and hooks: always kept, with the functions they name. */
    static boolean isCallbackSection(Section s) {
        String n = s.name();
        return n.startsWith(".kpatch.callbacks.") || n.startsWith(".kpatch.hooks.") || n.startsWith(".klp4j.callbacks.");
    }
}
