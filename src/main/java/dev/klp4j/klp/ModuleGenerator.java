package dev.klp4j.klp;

import dev.klp4j.base.Toolchain;
import dev.klp4j.diff.FunctionStatus;
import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.ElfWriter;
import dev.klp4j.elf.Symbol;
import dev.klp4j.kbuild.Kbuild;
import dev.klp4j.base.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Generates and builds the livepatch module.
 *
 * <p>The C source holds one {@code struct klp_func} per replaced function, one {@code klp_object}
 * per patched object (vmlinux, or a module by name), the {@code klp_patch} (replace mode unless
 * {@code --no-replace}), {@code MODULE_INFO(livepatch, "Y")} and the GPL license. A patch's new
 * functions named {@code klp4j_pre_patch*}, {@code klp4j_post_patch*}, {@code klp4j_pre_unpatch*}
 * or {@code klp4j_post_unpatch*} become that object's callbacks. The differ's objects are linked in
 * as they are, each replaced function reached through a GLOBAL alias {@code __klp4j_new_N}.
 *
 * <p>It is built with the target's own kbuild ({@code make -C /lib/modules/REL/build M=DIR}), so
 * vermagic and modversion CRCs are the target's. Livepatch relocations cannot go through the link:
 * ld -r would fold a {@code .klp.rela.*} section into the ordinary {@code .rela} of its target and
 * has no notion of SHN_LIVEPATCH. So before linking the symbols to be resolved by the livepatch
 * core are only renamed to their final {@code .klp.sym.OBJ.NAME,POS} names (still undefined; modpost
 * runs with KBUILD_MODPOST_WARN=1 and every undefined name it reports must be one of them), and
 * after linking {@link KlpRelocations#finishLinked} turns them into SHN_LIVEPATCH symbols and moves
 * their relocations into {@code .klp.rela.OBJ.SECTION} sections.
 */
public final class ModuleGenerator {
    public static final String MAIN = "klp4j_main";
    private static final String KSYMTAB = "__ksymtab_";
    /** Linux 6.5+: the label of an EXPORT_SYMBOL record in .export_symbol (KSYMTAB's successor). */
    private static final String EXPORT_LABEL = "__export_symbol_";

    /** A replaced function: its name in the kernel, kallsyms position, and the alias of the new code. */
    public record Func(String oldName, int oldSympos, String alias) {}

    /** One patched object (vmlinux or module name) and what the patch does to it. */
    public record Target(String object, List<Func> funcs, Map<String, String> callbacks) {}

    private final String name;
    private final boolean replace;
    private final Map<String, Target> targets = new LinkedHashMap<>();
    private final List<ElfFile> objects = new ArrayList<>();
    /** Per object: kbuild's {@code #SYMVER NAME CRC} lines for the symbols it exports. */
    private final List<List<String>> symvers = new ArrayList<>();
    private final Set<String> namespaces = new java.util.TreeSet<>();
    private int aliases;
    /** Whether the target's kbuild runs objtool on the module at its link (kbuild's delay-objtool). */
    private boolean objtoolAtLink;
    /** Whether a symbol is exported (Module.symvers): the static call keys named for objtool at the link. */
    private java.util.function.Predicate<String> exported = n -> false;
    /** Tables the patch carries anew (object: name): running code may keep pointers into them. */
    private final List<String> tables = new ArrayList<>();

    public ModuleGenerator(String name, boolean replace) {
        if (!name.matches("[A-Za-z0-9_-]{1,55}")) throw new Failure("module name '" + name + "': use letters, digits, '_' and '-' (at most 55)");
        this.name = name;
        this.replace = replace;
    }

    public String name() { return name; }

    /**
     * The target's kbuild runs objtool when it links the module (CONFIG_X86_KERNEL_IBT or
     * CONFIG_LTO_CLANG): the patch objects' own objtool tables are then left to it (see
     * {@link LoadTimeTables#dropObjtoolTables}).
     */
    public ModuleGenerator objtoolAtLink(boolean on) {
        this.objtoolAtLink = on;
        return this;
    }

    /** Which symbols the target exports: a static call key that is exported is named for objtool ({@link StaticCallKeys}). */
    public ModuleGenerator exported(java.util.function.Predicate<String> isExported) {
        this.exported = isExported;
        return this;
    }

    /**
     * Adds one patch object (already past {@link KlpRelocations#renameForLink}) to the klp_object of
     * its owner. {@code sympos} gives each changed function's kallsyms position.
     */
    public void add(PatchObject patch, Map<String, Integer> sympos) {
        add(patch, sympos, Map.of());
    }

    /**
     * As {@link #add(PatchObject, Map)}, for an object that exports symbols the patch adds:
     * {@code exportCrcs} maps each to its modversions CRC (genksyms' value from the patched
     * object's kbuild record), which modpost puts in the module so that the kernel accepts its exports.
     */
    public void add(PatchObject patch, Map<String, Integer> sympos, Map<String, String> exportCrcs) {
        String object = patch.meta().object();
        ElfFile out = patch.elf();
        Target t = targets.computeIfAbsent(object, o -> new Target(o, new ArrayList<>(), new LinkedHashMap<>()));
        Map<dev.klp4j.elf.Section, java.util.Set<Long>> redirected = new java.util.IdentityHashMap<>();
        for (PatchMeta.Function f : patch.meta().functions()) {
            Symbol def = null;
            for (Symbol s : out.symbols(f.name())) if (s.isFunction() && s.section() != null) def = s;
            if (f.status() == FunctionStatus.NEW) {
                for (String kind : List.of("pre_patch", "post_patch", "pre_unpatch", "post_unpatch")) {
                    if (f.name().startsWith("klp4j_" + kind)) {
                        if (def == null) throw new Failure("callback " + f.name() + " is not defined in the differ's output");
                        if (t.callbacks().containsKey(kind)) throw new Failure(object + ": two " + kind + " callbacks (" + t.callbacks().get(kind) + ", " + f.name() + ")");
                        t.callbacks().put(kind, alias(out, def));
                    }
                }
                continue;
            }
            if (f.status() != FunctionStatus.CHANGED) continue; // a private copy: its callers are redirected, not it
            if (def == null) throw new Failure("changed function " + f.name() + " is not defined in the differ's output");
            // An alias (module_init's init_module for a non-__init uvesafb_init) is the same old
            // function: a second klp_func on one address corrupts the core's stack check (it takes
            // the first func's list neighbour for a previous patch's), and the transition stalls.
            if (!redirected.computeIfAbsent(def.section(), x -> new java.util.HashSet<>()).add(def.value())) continue;
            Integer pos = sympos.get(f.name());
            if (pos == null) throw new Failure("no kallsyms position for " + f.name());
            t.funcs().add(new Func(f.name(), pos, alias(out, def)));
        }
        for (String table : patch.meta().tables()) tables.add(object + ": " + table);
        objects.add(out);
        List<String> lines = new ArrayList<>();
        for (Symbol s : out.symbols()) {
            String prefix = s.name().startsWith(KSYMTAB) ? KSYMTAB : s.name().startsWith(EXPORT_LABEL) ? EXPORT_LABEL : null;
            if (prefix == null || s.section() == null) continue;
            String exported = s.name().substring(prefix.length());
            String crc = exportCrcs.get(exported);
            if (crc != null) lines.add("#SYMVER " + exported + " " + crc);
        }
        symvers.add(lines);
    }

    /**
     * Gives {@code object} a klp_object, with no function when the patch changes none of its: the
     * livepatch core applies the relocations against a module (.klp.rela.MODULE.*) only for the
     * patch's objects, when it finds them loaded or they load. Without one they would stay unwritten.
     */
    public void reach(String object) {
        targets.computeIfAbsent(object, o -> new Target(o, new ArrayList<>(), new LinkedHashMap<>()));
    }

    private String alias(ElfFile out, Symbol def) {
        String a = "__klp4j_new_" + aliases++;
        // Untyped: to objtool (which checks the module at its link on 6.12) a second function at the
        // same address would own the code, and a jump to the function's .cold piece would look like
        // a sibling call of another function, its .cold code then unchecked and without ORC.
        out.symbols().add(Symbol.defined(a, Elf.STB_GLOBAL, Elf.STT_NOTYPE, def.section(), def.value(), 0));
        return a;
    }

    /**
     * Declares that the patch uses symbols exported in namespace {@code ns} (EXPORT_SYMBOL_NS):
     * modpost refuses a module that uses them without importing it, as the patched module does.
     */
    public void importNamespace(String ns) {
        if (!ns.matches("[A-Za-z0-9_]+")) throw new Failure("symbol namespace '" + ns + "' cannot be imported");
        namespaces.add(ns);
    }

    /** Whether the module is built without an exit function, so that the kernel never removes it. */
    public boolean permanent() {
        return !tables.isEmpty();
    }

    /** The module's C source. */
    public String source() {
        StringBuilder c = new StringBuilder();
        c.append("// SPDX-License-Identifier: GPL-2.0\n/* Generated by klp4j: the livepatch module ").append(name).append(". */\n");
        c.append("#include <linux/module.h>\n#include <linux/kernel.h>\n#include <linux/livepatch.h>\n\n");
        for (Target t : targets.values()) {
            for (Func f : t.funcs()) c.append("extern void ").append(f.alias()).append("(void);\n");
            for (Map.Entry<String, String> cb : t.callbacks().entrySet()) {
                c.append(cb.getKey().equals("pre_patch") ? "extern int " : "extern void ").append(cb.getValue()).append("(struct klp_object *);\n");
            }
        }
        int i = 0;
        List<String> objs = new ArrayList<>();
        for (Target t : targets.values()) {
            String var = "klp4j_funcs_" + i++;
            c.append("\nstatic struct klp_func ").append(var).append("[] = {\n");
            for (Func f : t.funcs()) {
                c.append("\t{ .old_name = \"").append(f.oldName()).append("\", .new_func = ").append(f.alias())
                        .append(", .old_sympos = ").append(f.oldSympos()).append(" },\n");
            }
            c.append("\t{ }\n};\n");
            StringBuilder o = new StringBuilder("\t{ .name = ").append(t.object().equals("vmlinux") ? "NULL" : "\"" + t.object() + "\"")
                    .append(", .funcs = ").append(var);
            if (!t.callbacks().isEmpty()) {
                o.append(",\n\t  .callbacks = {");
                for (Map.Entry<String, String> cb : t.callbacks().entrySet()) {
                    o.append(" .").append(cb.getKey()).append(" = ").append(cb.getValue()).append(",");
                }
                o.append(" }");
            }
            objs.add(o.append(" },\n").toString());
        }
        c.append("\nstatic struct klp_object klp4j_objs[] = {\n");
        objs.forEach(c::append);
        c.append("\t{ }\n};\n\n");
        c.append("static struct klp_patch klp4j_patch = {\n\t.mod = THIS_MODULE,\n\t.objs = klp4j_objs,\n\t.replace = ")
                .append(replace ? "true" : "false").append(",\n};\n\n");
        c.append("static int __init klp4j_init(void)\n{\n\treturn klp_enable_patch(&klp4j_patch);\n}\n\n");
        if (tables.isEmpty()) {
            c.append("static void __exit klp4j_exit(void)\n{\n}\n\n");
            c.append("module_init(klp4j_init);\nmodule_exit(klp4j_exit);\n");
        } else {
            // The patch carries new copies of read-only tables and replaces their readers: running
            // code may keep pointers into them (a probed device's quirk entry, say) after the patch
            // is disabled or replaced. Without an exit function the kernel never removes the module
            // ("[permanent]" in /proc/modules), so those pointers stay valid until the next boot.
            c.append("/* permanent: carries ").append(String.join(", ", tables).replace("*/", "")).append(" */\n");
            c.append("module_init(klp4j_init);\n");
        }
        // MODULE_IMPORT_NS took a bare word before 6.13 and a string since; the modinfo line is the same in both.
        for (String ns : namespaces) c.append("MODULE_INFO(import_ns, \"").append(ns).append("\");\n");
        c.append("MODULE_LICENSE(\"GPL\");\nMODULE_INFO(livepatch, \"Y\");\nMODULE_DESCRIPTION(\"klp4j live patch ").append(name).append("\");\n");
        return c.toString();
    }

    /** Writes the sources and objects to {@code dir}, builds with {@code kbuildDir}, finishes and returns the .ko. */
    public Path build(Path dir, Path kbuildDir, int jobs) {
        return build(dir, kbuildDir, jobs, Toolchain.HOST);
    }

    /** As {@link #build(Path, Path, int)}, with the target's kbuild run through {@code tools}. */
    public Path build(Path dir, Path kbuildDir, int jobs, Toolchain tools) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(MAIN + ".c"), source());
            List<String> parts = new ArrayList<>(List.of(MAIN + ".o"));
            for (int i = 0; i < objects.size(); i++) {
                String o = "klp4j_patch_" + i + ".o";
                if (objtoolAtLink) {
                    LoadTimeTables.dropObjtoolTables(objects.get(i));
                    StaticCallKeys.name(objects.get(i), exported);
                }
                ElfWriter.write(objects.get(i), dir.resolve(o));
                // kbuild's record for a prebuilt object: modpost reads the CRCs of its exports from it.
                StringBuilder cmd = new StringBuilder("savedcmd_" + o + " := klp4j (differ output)\n");
                for (String l : symvers.get(i)) cmd.append('\n').append(l);
                Files.writeString(dir.resolve("." + o + ".cmd"), cmd.append('\n').toString());
                parts.add(o);
            }
            // Livepatch symbols are still undefined at link time (they are made SHN_LIVEPATCH after it):
            // modpost may only warn about them; any other undefined name is checked for below.
            Kbuild.Result built = Kbuild.module(tools, kbuildDir, dir, name, parts, jobs, Map.of("KBUILD_MODPOST_WARN", "1"), Duration.ofMinutes(10));
            String log = built.log();
            if (!built.ok()) throw new Failure("building the patch module failed (see " + built.logFile() + "):\n" + tail(log, 15));
            for (String l : log.split("\n")) {
                if (l.contains("undefined!") && !l.contains("\"" + KlpRelocations.SYM_PREFIX)) {
                    throw new Failure("the patch module refers to a symbol nothing provides: " + l.strip());
                }
            }
            Path ko = dir.resolve(name + ".ko");
            ElfFile linked = ElfReader.read(ko);
            KlpRelocations.finishLinked(linked);
            // objtool wrote .call_sites at the link (6.12): calls into a patched module are not written yet at load.
            LoadTimeTables.dropLateCallSites(linked);
            ElfWriter.write(linked, ko);
            return ko;
        } catch (IOException | dev.klp4j.elf.ElfFormatException e) {
            throw new Failure("building the patch module in " + dir + ": " + e.getMessage());
        }
    }

    private static String tail(String s, int n) {
        String[] l = s.strip().split("\n");
        return String.join("\n", List.of(l).subList(Math.max(0, l.length - n), l.length));
    }
}
