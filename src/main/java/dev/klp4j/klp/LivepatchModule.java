package dev.klp4j.klp;

import dev.klp4j.base.Toolchain;
import dev.klp4j.diff.FunctionStatus;
import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.Symbol;
import dev.klp4j.kbuild.ObjectOwner;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * klp's one entry point: the differ's patch objects and the target in, a livepatch module out.
 * It owns the order of the edits it makes to the patch objects (they are edited in place, and
 * each edit relies on the one before): the patch's own globals first, then per object the tables
 * the loader reads before livepatch relocations exist, then the livepatch symbol names, then the
 * module. {@link #link} does everything up to the module and says what it refused;
 * {@link Linked#build} exists only for a patch that nothing refused.
 */
public final class LivepatchModule {
    private LivepatchModule() {}

    /**
     * One patched object as the differ left it.
     *
     * @param object              the object's path in the tree (fs/proc/cmdline.o), for messages
     * @param originalDefinitions names the original object defines (to pick among kallsyms duplicates)
     * @param exportCrcs          modversions CRCs of the symbols the patched object exports
     * @param originalOrder       where the original object lays its symbols out (the same)
     */
    public record Input(String object, PatchObject patch, Set<String> originalDefinitions,
                        Map<String, String> exportCrcs, Supplier<dev.klp4j.elf.ElfFile> compiled, FileOrder originalOrder) {
        public Input(String object, PatchObject patch, Set<String> originalDefinitions, Map<String, String> exportCrcs) {
            this(object, patch, originalDefinitions, exportCrcs, () -> null, FileOrder.NONE);
        }
    }

    /**
     * The kernel the module is for.
     *
     * @param vmlinux       vmlinux's symbols, read on first need
     * @param moduleSymbols a patched module's symbols, by the module's name
     * @param objtoolAtLink whether kbuild runs objtool on the module at its link (delay-objtool)
     */
    public record Target(String name, boolean replace, boolean objtoolAtLink, ModuleSymvers symvers,
                         Supplier<KernelSymbols> vmlinux, Function<String, KernelSymbols> moduleSymbols,
                         StructSizes sizes, Path kbuildDir, int jobs, Toolchain tools) {}

    /** What was done to one object: its owner and the livepatch symbols it refers through. */
    public record ObjectSymbols(String object, String owner, List<String> klpSymbols) {}

    /** Builds the module's files into a directory with the target's kbuild; returns the .ko. */
    public interface ModuleBuild {
        Path into(Path dir);
    }

    /**
     * The patch objects linked for the target: the module is ready to build unless {@code refused}
     * names a reason; {@code warnings} are table entries dropped as harmless.
     */
    public record Linked(List<ObjectSymbols> objects, List<String> warnings, List<String> refused, ModuleBuild module) {
        public Linked {
            objects = List.copyOf(objects);
            warnings = List.copyOf(warnings);
            refused = List.copyOf(refused);
        }

        public int klpSymbolCount() {
            return objects.stream().mapToInt(o -> o.klpSymbols().size()).sum();
        }

        /** Builds the module with the target's kbuild in {@code dir}; only for a patch nothing refused. */
        public Path build(Path dir) {
            if (!refused.isEmpty()) throw new IllegalStateException("refused patch: " + refused);
            return module.into(dir);
        }
    }

    /** Resolves every reference of every patch object and prepares the module (no file is written). */
    public static Linked link(List<Input> inputs, Target target) {
        ModuleSymvers symvers = target.symvers();
        ModuleGenerator gen = new ModuleGenerator(target.name(), target.replace()).objtoolAtLink(target.objtoolAtLink())
                .exported(n -> symvers.export(n).isPresent());
        Map<String, PatchObject> patches = new LinkedHashMap<>();
        for (Input in : inputs) patches.put(in.object(), in.patch());
        PatchDefinitions own = PatchDefinitions.of(patches);
        Map<String, KernelSymbols> modules = new HashMap<>();
        List<ObjectSymbols> objects = new ArrayList<>();
        List<String> warnings = new ArrayList<>(), refused = new ArrayList<>();
        for (Input in : inputs) {
            PatchObject patch = in.patch();
            String owner = patch.meta().object();
            KernelSymbols home = owner.equals(ObjectOwner.VMLINUX) ? null : modules.computeIfAbsent(owner, target.moduleSymbols());
            own.globalize(patch);
            SymbolResolver resolver = new SymbolResolver(owner, symvers, target.vmlinux(), home, in.originalDefinitions(), own.names(),
                    m -> modules.computeIfAbsent(m, target.moduleSymbols()), in.originalOrder());
            // Constant data of this file that the running object's symbols do not tell apart (a name
            // defined many times in a composite module): the patch carries its own copy.
            Set<String> unresolved = unresolvedStatics(patch, resolver);
            List<String> copied = unresolved.isEmpty() ? List.of() : ReadOnlyCopies.copy(patch, in.compiled().get(), unresolved::contains);
            copied.forEach(n -> warnings.add(in.object() + ": " + n + " (read-only; " + owner
                    + "'s symbols do not tell which is this file's) is carried in the patch as a copy"));
            LoadTimeTables.Outcome early = LoadTimeTables.apply(patch.elf(),
                    s -> resolver.resolve(s.name(), patch.meta().wasLocal(s.name())), target.sizes());
            early.dropped().forEach(w -> warnings.add(in.object() + ": " + w));
            early.refused().forEach(r -> refused.add(in.object() + ": " + r));
            List<String> klp = KlpRelocations.renameForLink(patch, resolver::resolve);
            // What is still undefined links against exports; those of a namespace must be imported.
            for (Symbol s : patch.elf().symbols()) {
                if (s.section() == null && !s.name().isEmpty()) {
                    symvers.export(s.name()).map(ModuleSymvers.Export::namespace).filter(ns -> !ns.isEmpty()).ifPresent(gen::importNamespace);
                }
            }
            Map<String, Integer> sympos = new HashMap<>();
            for (PatchMeta.Function f : patch.meta().functions()) {
                if (f.status() == FunctionStatus.CHANGED) sympos.put(f.name(), resolver.ownSympos(f.name()));
            }
            gen.add(patch, sympos, in.exportCrcs());
            // Livepatch relocations against a module are applied when its klp_object is: one for each.
            for (String k : klp) {
                String o = KlpRelocations.objectOf(k);
                if (!o.equals(ObjectOwner.VMLINUX)) gen.reach(o);
            }
            objects.add(new ObjectSymbols(in.object(), owner, klp));
        }
        for (Input in : inputs) {
            for (String t : in.patch().meta().tables()) {
                warnings.add(in.object() + ": " + t + " (a changed read-only table) is carried anew and the functions that read it are"
                        + " replaced; the module is permanent (no exit): disabling or replacing the patch leaves it loaded until the"
                        + " next boot, as running code may keep pointers into the table");
            }
        }
        return new Linked(objects, warnings, refused, dir -> gen.build(dir, target.kbuildDir(), target.jobs(), target.tools()));
    }

    /** The statics of the file the patch refers to that the running object's symbols do not resolve (missing, or not told apart). */
    private static Set<String> unresolvedStatics(PatchObject patch, SymbolResolver resolver) {
        Set<String> out = new java.util.LinkedHashSet<>();
        for (Symbol s : patch.elf().symbols()) {
            if (s.section() != null || s.name().isEmpty() || !patch.meta().wasLocal(s.name()) || out.contains(s.name())) continue;
            try {
                resolver.ownSympos(s.name());
            } catch (dev.klp4j.base.Failure e) {
                out.add(s.name());
            }
        }
        return out;
    }
}
