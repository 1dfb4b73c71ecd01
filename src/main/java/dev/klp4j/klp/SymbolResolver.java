package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Decides how the patch module reaches each symbol its code refers to but does not define.
 * <ul>
 * <li>Defined by the patch itself (a new global of one of its objects): a normal relocation,
 *     resolved when the patch module is linked.</li>
 * <li>Exported by vmlinux, or by a module the patched module does not already use: a normal
 *     relocation; the module loader resolves it and modpost records its CRC (the patch module
 *     then depends on that module).</li>
 * <li>Exported by another module that the patched module's own code uses: a livepatch relocation
 *     against that module, resolved when it loads, which it does before the patched module. As a
 *     normal one it would make the patch depend on it: an update that reaches a hundred modules
 *     would load them all with it, and could not load where one of them cannot (6.1.190's
 *     {@code hv_sock} fix calls {@code vmbus_open}: hv_vmbus loads only on Hyper-V).</li>
 * <li>Anything else (static functions and data, unexported globals, and every symbol of the module
 *     being patched, which may load after the patch): a livepatch relocation against
 *     {@code .klp.sym.<object>.<name>,<sympos>}, resolved by the livepatch core.</li>
 * </ul>
 * A symbol found nowhere, or found more than once without a way to tell which, is an error.
 */
public final class SymbolResolver {
    /** Normal relocation ({@code klpObject == null}) or livepatch relocation against object/position. */
    public record Resolution(String klpObject, int sympos) {
        public boolean isKlp() { return klpObject != null; }
        public static final Resolution NORMAL = new Resolution(null, 0);
    }

    private final String owner;                      // vmlinux or the patched module's name
    private final ModuleSymvers symvers;
    private final Supplier<KernelSymbols> vmlinux;   // loaded on first need
    private final KernelSymbols ownerModule;         // null when the owner is vmlinux
    private final Set<String> fileSymbols;           // names the original object defines
    private final FileOrder fileOrder;               // where it lays them out
    private final Set<String> patchDefined;          // new globals of the patch's own objects
    private final Function<String, KernelSymbols> modules; // another module's symbols, by name; null when not found

    public SymbolResolver(String owner, ModuleSymvers symvers, Supplier<KernelSymbols> vmlinux, KernelSymbols ownerModule,
                          Set<String> fileSymbols) {
        this(owner, symvers, vmlinux, ownerModule, fileSymbols, Set.of());
    }

    public SymbolResolver(String owner, ModuleSymvers symvers, Supplier<KernelSymbols> vmlinux, KernelSymbols ownerModule,
                          Set<String> fileSymbols, Set<String> patchDefined) {
        this(owner, symvers, vmlinux, ownerModule, fileSymbols, patchDefined, m -> null);
    }

    public SymbolResolver(String owner, ModuleSymvers symvers, Supplier<KernelSymbols> vmlinux, KernelSymbols ownerModule,
                          Set<String> fileSymbols, Set<String> patchDefined, Function<String, KernelSymbols> modules) {
        this(owner, symvers, vmlinux, ownerModule, fileSymbols, patchDefined, modules, FileOrder.NONE);
    }

    public SymbolResolver(String owner, ModuleSymvers symvers, Supplier<KernelSymbols> vmlinux, KernelSymbols ownerModule,
                          Set<String> fileSymbols, Set<String> patchDefined, Function<String, KernelSymbols> modules,
                          FileOrder fileOrder) {
        this.fileOrder = fileOrder;
        this.modules = modules;
        this.patchDefined = patchDefined;
        this.owner = owner;
        this.symvers = symvers;
        this.vmlinux = vmlinux;
        this.ownerModule = ownerModule;
        this.fileSymbols = fileSymbols;
    }

    public Resolution resolve(String name, boolean wasLocal) {
        if (!wasLocal && patchDefined.contains(name)) return Resolution.NORMAL;
        KernelSymbols home = home();
        if (wasLocal) {
            // A static of this source file: it lives in the owner, next to the file's other symbols.
            return new Resolution(home.object(), ownSympos(name));
        }
        var export = symvers.export(name);
        if (export.isPresent() && ownerModule != null && !export.get().ownerName().equals(owner)
                && !export.get().ownerName().equals("vmlinux") && ownerModule.imports(name)) {
            KernelSymbols exporter = modules.apply(export.get().ownerName());
            if (exporter != null && exporter.contains(name)) return new Resolution(exporter.object(), checkedGlobal(exporter, name));
        }
        // vmlinux is always there; a module being patched may load after the patch, so its own exports go through klp.
        if (export.isPresent() && (ownerModule == null || !export.get().ownerName().equals(owner))) return Resolution.NORMAL;
        if (home.contains(name)) return new Resolution(home.object(), checkedGlobal(home, name));
        if (ownerModule != null) {
            KernelSymbols vm = vmlinux.get();
            if (vm.contains(name)) return new Resolution(vm.object(), checkedGlobal(vm, name));
        }
        throw new Failure(name + ": referenced by the patch but neither exported nor found in " + owner
                + (ownerModule != null ? " or vmlinux" : "") + "'s symbols");
    }

    /**
     * The kallsyms position of a symbol this source file defines, in its owner: the occurrence
     * whose neighbours are the file's other symbols. The one position both for the functions the
     * patch redirects and for the statics it refers to.
     */
    public int ownSympos(String name) {
        return home().sympos(name, fileSymbols, fileOrder);
    }

    private KernelSymbols home() {
        return ownerModule != null ? ownerModule : vmlinux.get();
    }

    /**
     * A global reference: the name's only occurrence, or its only global occurrence when statics
     * elsewhere share the name; otherwise resolved like a local (by neighbours) or refused.
     */
    private int checkedGlobal(KernelSymbols syms, String name) {
        if (syms.count(name) == 1) return 1;
        int global = syms.globalPosition(name);
        return global > 0 ? global : syms.sympos(name, fileSymbols, fileOrder);
    }
}
