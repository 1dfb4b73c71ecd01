package dev.klp4j.pipeline;

import dev.klp4j.base.CacheLock;
import dev.klp4j.base.Failure;
import dev.klp4j.base.FileTrees;
import dev.klp4j.base.WorkDir;
import dev.klp4j.base.Toolchain;
import dev.klp4j.debian.TargetResolver;
import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.diff.PatchObjectFile;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.HeaderReach;
import dev.klp4j.kbuild.KbuildQuery;
import dev.klp4j.kbuild.ObjectCompiler;
import dev.klp4j.kbuild.ObjectOwner;
import dev.klp4j.kbuild.OriginalObjectCache;
import dev.klp4j.kbuild.PatchedObjectCache;
import dev.klp4j.kbuild.SourceTreeCache;
import dev.klp4j.kbuild.TargetStructSizes;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.klp.LivepatchModule;
import dev.klp4j.klp.ModuleSymvers;
import dev.klp4j.review.ObjectPair;
import dev.klp4j.review.ReviewReport;
import dev.klp4j.review.Reviewer;
import dev.klp4j.source.AuthorHeaders;
import dev.klp4j.source.ConfigConditions;
import dev.klp4j.source.PatchApplier;
import dev.klp4j.source.PatchHunks;
import dev.klp4j.source.SourceHunk;
import dev.klp4j.source.TreeSearch;
import dev.klp4j.source.UnifiedDiff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * The build's stages on a real kernel tree: Debian's packages for the target, kbuild for the
 * objects, the differ, the review and klp for the module. One instance serves one build; what the
 * stages share (the held tree, the work directory, the applier) is set up by {@link #prepare}.
 * (A little over 300 lines: one short method per stage, which read best in the pipeline's order.)
 *
 * <p>Nothing is written to disk to be read back: with --skip-cleanup each patch object is also
 * written to the work directory's {@code out/}, as {@code klp4j diff -o} writes it, for inspection only.
 */
final class KernelStages implements Stages {
    private final BuildOptions o;
    private final StepListener listener;
    private final ObjectDiffer differ = new ObjectDiffer();
    private KernelTarget target;
    private Path tree, cacheDir, work;
    private WorkDir workDir;
    private PatchApplier applier;
    private KbuildQuery kbuild;
    private ChangedObjects changed;
    private ObjectCompiler compiler;
    private Map<String, ObjectOwner.Owner> owners = Map.of();

    KernelStages(BuildOptions options, StepListener listener) {
        this.o = options;
        this.listener = listener;
    }

    private Consumer<String> progress(String step) {
        return msg -> listener.progress(step, msg);
    }

    @Override
    public KernelTarget target() {
        if (!Files.isRegularFile(o.patch)) throw new Failure(o.patch + ": no such patch file");
        target = TargetResolver.cached(o.release, o.cacheRoot).sourceDir(o.sourceDir).config(o.config).systemMap(o.symbols)
                .symvers(o.symvers).progress(progress("target")).resolve();
        return target;
    }

    @Override
    public PreparedTree prepare(KernelTarget target) {
        SourceTreeCache cache = new SourceTreeCache(SourceTreeCache.dirFor(o.cacheRoot, target), target, o.jobs);
        CacheLock held = cache.lock();
        boolean made;
        try {
            made = cache.ensure(progress("source tree"));
            tree = cache.tree();
            cacheDir = cache.cacheDir();
            workDir = WorkDir.create("klp4j-build-");
            work = workDir.path();
        } catch (RuntimeException e) {
            held.close();
            throw e;
        }
        return new PreparedTree(tree, made, () -> {
            try {
                if (o.skipCleanup) {
                    workDir.keep();
                    listener.note("work directory kept: " + work);
                } else {
                    workDir.close();
                }
            } finally {
                held.close();
            }
        });
    }

    @Override
    public PatchedSource readPatch() {
        applier = new PatchApplier(tree, cacheDir.resolve("journal"), o.patch);
        PatchApplier.recover(tree, cacheDir.resolve("journal"));
        kbuild = new KbuildQuery(tree, target.toolchain());
        applier.check();
        // The patched files on both sides, for the review's hunks.
        Map<String, String> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
        for (UnifiedDiff.FilePatch f : applier.diff().files()) before.put(f.path(), readOrEmpty(tree.resolve(f.path())));
        applier.apply();
        try {
            for (String f : before.keySet()) after.put(f, readOrEmpty(tree.resolve(f)));
        } finally {
            applier.revert();
        }
        // Lines this config compiles out are no part of the review: they change no object.
        ConfigConditions config = ConfigConditions.of(tree);
        List<SourceHunk> hunks = new ArrayList<>();
        for (String f : before.keySet()) hunks.addAll(PatchHunks.of(f, before.get(f), after.get(f), config));
        return new PatchedSource(applier.diff(), hunks, after);
    }

    @Override
    public ChangedObjects.Changes changedObjects(PatchedSource patch) {
        changed = new ChangedObjects(tree, kbuild, o.jobs).progress(progress("changed objects")).limit(o.maxPreprocessed);
        // The headers live in the target's cache directory, so the compile flags (and the cached originals' key) stay the same.
        compiler = new ObjectCompiler(tree, o.jobs, AuthorHeaders.writeTo(cacheDir.resolve("include")), kbuild::makeTarget, target.toolchain())
                .makeCalls(kbuild::makeCalls);
        if (o.cluster != null) compiler.via(o.cluster, Map.of());
        if (PatchedObjectCache.applies(patch.diff())) compiler.cachingPatched(new PatchedObjectCache(tree, cacheDir, compiler.patchedFlags()));
        return changed.find(patch.diff());
    }

    @Override
    @SuppressWarnings("try") // the patch stays applied for the try block
    public void compileSources(ChangedObjects.Changes changes) {
        try (Applied a = applyPatch()) {
            compiler.compilePatched(changes.sources(), patchedDir());
        }
    }

    @Override
    public HeaderReach headerUsers(ChangedObjects.Changes changes) {
        return changed.affected(changes, applier::apply, applier::revert);
    }

    @Override
    public Map<String, HeaderReach> headerUsersEach(Map<String, ChangedObjects.Changes> fixes) {
        return changed.affectedEach(fixes, applier::apply, applier::revert);
    }

    @Override
    public int compileOriginal(List<String> objects) {
        OriginalObjectCache originals = new OriginalObjectCache(tree, cacheDir, compiler.flags());
        List<String> todo = originals.restore(objects, origDir());
        try {
            compiler.compile(todo, origDir());
        } finally {
            // What compiled is kept when another object failed: the batch's next round restores it.
            originals.store(todo.stream().filter(obj -> Files.isRegularFile(origDir().resolve(obj))).toList(), origDir());
        }
        return objects.size() - todo.size();
    }

    @Override
    public Applied applyPatch() {
        applier.apply();
        return applier::revert;
    }

    @Override
    public Applied applyPatch(java.util.Collection<String> files) {
        applier.apply(files);
        return applier::revert;
    }

    @Override
    public int compilePatched(List<String> objects) {
        // The patched .c files' own objects may be compiled already (compile sources); the rest
        // replay the original side's recorded commands.
        return compiler.compileLike(objects.stream().filter(obj -> !Files.isRegularFile(patchedDir().resolve(obj))).toList(), origDir(), patchedDir());
    }

    @Override
    public Map<String, ObjectOwner.Owner> owners(List<String> objects) {
        ObjectOwner owner = new ObjectOwner(kbuild, target.modulesDir());
        Map<String, ObjectOwner.Owner> m = new LinkedHashMap<>();
        for (String obj : objects) m.put(obj, owner.owner(obj, origDir()));
        owners = Map.copyOf(m);
        return m;
    }

    @Override
    public StructSizes entrySizes() {
        return TargetStructSizes.of(tree, target.toolchain());
    }

    @Override
    public ObjectDiffs diff(List<String> objects, Map<String, ObjectOwner.Owner> owners, StructSizes sizes) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(o.jobs, objects.size())));
        try {
            Map<String, Future<ObjectDiffer.Outcome>> futures = new LinkedHashMap<>();
            for (String obj : objects) {
                futures.put(obj, pool.submit(() -> {
                    ObjectDiffer.Outcome d = differ.diff(origDir().resolve(obj), patchedDir().resolve(obj), new DiffOptions(sizes, owners.get(obj).name()));
                    if (o.skipCleanup && d.result().outcome() == DiffResult.Outcome.PATCH) {
                        // For whoever inspects the kept work directory (as `klp4j diff -o` writes it); never read back.
                        Path out = work.resolve("out").resolve(obj);
                        Files.createDirectories(out.getParent());
                        PatchObjectFile.write(d.result().patch(), out);
                    }
                    return d;
                }));
            }
            Map<String, ObjectDiffer.Outcome> out = new LinkedHashMap<>();
            for (var e : futures.entrySet()) {
                try {
                    out.put(e.getKey(), e.getValue().get());
                } catch (ExecutionException ex) {
                    // A bug (or a Failure reading the objects) goes on as it is; only I/O of the kept work directory is wrapped.
                    if (ex.getCause() instanceof RuntimeException re) throw re;
                    if (ex.getCause() instanceof Error err) throw err;
                    throw new Failure(Failure.Kind.TOOL, "diff of " + e.getKey() + " failed: " + ex.getCause());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new Failure(Failure.Kind.TOOL, "interrupted");
                }
            }
            return new ObjectDiffs(out);
        } finally {
            pool.shutdownNow();
        }
    }

    @Override
    public ReviewReport review(PatchedSource patch, List<String> objects, ObjectDiffs diffs) {
        List<ObjectPair> pairs = new ArrayList<>();
        for (String obj : objects) {
            DiffResult d = diffs.result(obj);
            String source = obj.substring(0, obj.length() - 2) + ".c";
            String text = patch.after().containsKey(source) ? patch.after().get(source) : readOrEmpty(tree.resolve(source));
            pairs.add(new ObjectPair(obj, origDir().resolve(obj), patchedDir().resolve(obj), d.changed(), d.added(),
                    PatchHunks.functions(text), d.reasons()));
        }
        // A caller in a file this config does not build calls nothing (a .c that another includes counts only through that one).
        TreeSearch callers = new TreeSearch(tree, f -> kbuild.kind(f.substring(0, f.lastIndexOf('.')) + ".o") != KbuildQuery.Kind.NOT_BUILT);
        return new Reviewer(Toolchain.HOST, callers).review(patch.hunks(), pairs); // pahole reads any DWARF; the objects are on the host
    }

    @Override
    public LivepatchModule.Linked link(ObjectDiffs diffs, StructSizes sizes) {
        List<LivepatchModule.Input> inputs = new ArrayList<>();
        for (Map.Entry<String, PatchObject> e : diffs.patches().entrySet()) {
            String obj = e.getKey();
            ObjectDiffer.Outcome diff = diffs.byObject().get(obj);
            inputs.add(new LivepatchModule.Input(obj, e.getValue(), diff.originalDefinitions(),
                    ObjectCompiler.exportCrcs(patchedDir(), obj), () -> readCompiled(patchedDir().resolve(obj)), diff.originalOrder()));
        }
        ConfigConditions config = ConfigConditions.of(tree);
        // kbuild's delay-objtool: objtool checks a multi-object module when it links it.
        boolean objtoolAtLink = config.enabled("CONFIG_X86_KERNEL_IBT") || config.enabled("CONFIG_LTO_CLANG");
        Map<String, String> modulePaths = new LinkedHashMap<>();
        owners.values().forEach(w -> { if (!w.isVmlinux()) modulePaths.put(w.name(), w.modulePath()); });
        ModuleSymvers symvers = ModuleSymvers.read(target.symvers());
        LivepatchModule.Target klp = new LivepatchModule.Target(o.moduleName(), o.replace, objtoolAtLink, symvers,
                new Memo<>(() -> TargetSymbols.vmlinux(target, cacheDir)),
                module -> {
                    // a patched module, or one whose exports a patched module uses (null: not installed)
                    Path ko = modulePaths.containsKey(module) ? target.modulesDir().resolve(modulePaths.get(module))
                            : symvers.objectOf(module).map(x -> installedModule(target.modulesDir(), x)).orElse(null);
                    return ko == null ? null : TargetSymbols.module(module, ko, work);
                },
                sizes, target.kbuildDir(), o.jobs, target.toolchain());
        return LivepatchModule.link(inputs, klp);
    }

    /** The installed file of the module built as {@code object} ("drivers/hv/hv_vmbus"), compressed or not; null if none. */
    static Path installedModule(Path modulesDir, String object) {
        for (String ext : List.of(".ko", ".ko.xz", ".ko.zst", ".ko.gz")) {
            Path p = modulesDir.resolve("kernel").resolve(object + ext);
            if (Files.isRegularFile(p)) return p;
        }
        return null;
    }

    /** A compiled object, read again (its bytes are only needed when the patch carries some of its data). */
    private static dev.klp4j.elf.ElfFile readCompiled(Path object) {
        try {
            return dev.klp4j.elf.ElfReader.read(object);
        } catch (IOException | dev.klp4j.elf.ElfFormatException e) {
            throw new Failure(Failure.Kind.TOOL, object + ": cannot read: " + e.getMessage());
        }
    }

    @Override
    public Path writeModule(LivepatchModule.Linked linked) {
        Path built = linked.build(work.resolve("module"));
        String name = o.moduleName();
        try {
            Files.createDirectories(o.outDir);
            Path dst = o.outDir.resolve(name + ".ko");
            // Copy then rename, so an interrupted build never leaves a truncated module behind.
            Path tmp = o.outDir.resolve("." + name + ".ko.tmp");
            Files.copy(built, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return dst;
        } catch (IOException e) {
            throw new Failure("cannot write " + o.outDir + ": " + e.getMessage());
        }
    }

    private Path origDir() {
        return work.resolve("orig");
    }

    private Path patchedDir() {
        return work.resolve("patched");
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.readString(p, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new Failure(p + ": cannot read: " + e.getMessage());
        }
    }

    /** A value computed on first use, once (vmlinux's symbols are read only when a reference needs them). */
    private static final class Memo<T> implements java.util.function.Supplier<T> {
        private final java.util.function.Supplier<T> compute;
        private T value;

        Memo(java.util.function.Supplier<T> compute) {
            this.compute = compute;
        }

        @Override
        public synchronized T get() {
            if (value == null) value = compute.get();
            return value;
        }
    }
}
