package dev.klp4j.pipeline;

import dev.klp4j.debian.TargetResolver;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.debian.SourcePackages;
import dev.klp4j.debian.TargetPackages;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.KbuildQuery;
import dev.klp4j.kbuild.ObjectCompiler;
import dev.klp4j.kbuild.ObjectOwner;
import dev.klp4j.kbuild.OriginalObjectCache;
import dev.klp4j.kbuild.SourceTreeCache;
import dev.klp4j.kbuild.TargetStructSizes;
import dev.klp4j.source.AuthorHeaders;
import dev.klp4j.source.ConfigConditions;
import dev.klp4j.source.PatchApplier;
import dev.klp4j.source.PatchHunks;
import dev.klp4j.source.UnifiedDiff;

import dev.klp4j.kernel.ModuleFile;
import dev.klp4j.base.Toolchain;
import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.FunctionStatus;
import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.diff.PatchObjectFile;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import dev.klp4j.klp.KernelSymbols;
import dev.klp4j.klp.KlpRelocations;
import dev.klp4j.klp.LoadTimeTables;
import dev.klp4j.klp.ModuleGenerator;
import dev.klp4j.klp.ModuleSymvers;
import dev.klp4j.klp.PatchDefinitions;
import dev.klp4j.klp.SymbolResolver;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import dev.klp4j.review.Finding;
import dev.klp4j.review.ObjectPair;
import dev.klp4j.review.ReviewReport;
import dev.klp4j.review.Reviewer;
import dev.klp4j.review.Rule;
import dev.klp4j.review.Severity;
import dev.klp4j.source.SourceHunk;

/**
 * klp4j build, step by step: target, source cache, changed objects, compile original, apply,
 * compile patched (and take the patch back out), owners, diff, symbols, module. Each step prints
 * one line with its time; {@link Result} is the --json summary.
 *
 * <p>Data flows one way: patch, objects, {@link ObjectDiffer} (original read once), one
 * {@link PatchObject} per changed object, then klp (symbols, relocations, module) in memory. With
 * --skip-cleanup each patch object is also written to the work directory's {@code out/}, as
 * {@code klp4j diff -o} writes it, for inspection only.
 */
public final class BuildPipeline {

    public static final class Options {
        public Path patch;
        public String release;
        public String name;
        public Path outDir = Path.of(".");
        public int jobs = Runtime.getRuntime().availableProcessors();
        public Path sourceDir, config, symbols, symvers;
        public boolean skipCleanup, replace = true;
        /** Stop after compiling and deciding owners: checks that the patch applies and compiles. */
        public boolean compileOnly;
        /** Stop after the review (klp4j review): no module. */
        public boolean reviewOnly;
        /** Rules whose unsafe findings the author has checked: they no longer stop the build. */
        public java.util.Set<Rule> accept = java.util.Set.of();
        public Path cacheRoot = SourceTreeCache.defaultRoot();
    }

    public record Step(String name, double seconds, String detail) {}
    /** One patched object; {@code diffStatus} is always PATCH (kept for the --json report's field). */
    public record ObjectReport(String object, String owner, DiffResult.Outcome diffStatus, List<String> changed, List<String> added, List<String> klpSymbols) {}
    /** {@code review} is null when the build stopped before it (compile only). */
    public record Result(String release, String module, List<Step> steps, List<ObjectReport> objects, ReviewReport review, double seconds) {}

    private final Options o;
    private final ObjectDiffer differ = new ObjectDiffer();
    private final PrintWriter log;
    private final List<Step> steps = new ArrayList<>();
    /** On a terminal, a step shows "running" while it runs; the finished line replaces it. */
    private boolean interactive;

    /** Show each running step on a terminal (the CLI sets this when stdout is one). */
    public BuildPipeline interactive(boolean on) {
        this.interactive = on;
        return this;
    }

    public BuildPipeline(Options options, PrintWriter log) {
        this.o = options;
        this.log = log;
    }

    /** A note inside a long step (a download): on a terminal it replaces the step's "..." line. */
    private void progress(String msg) {
        if (interactive) log.printf("%-18s   %s%s\r", "", msg, " ".repeat(20));
        else log.println("  " + msg);
        log.flush();
    }

    private <T> T step(String name, Supplier<T> body, java.util.function.Function<T, String> detail) {
        long t0 = System.nanoTime();
        if (interactive) {
            log.printf("%-18s   ...%s\r", name, " ".repeat(40));
            log.flush();
        }
        T v;
        try {
            v = body.get();
        } catch (RuntimeException e) {
            double s = (System.nanoTime() - t0) / 1e9;
            steps.add(new Step(name, s, "failed"));
            log.printf("%-18s %6.1f s  failed%n", name, s);
            log.flush();
            throw e;
        }
        double s = (System.nanoTime() - t0) / 1e9;
        String d = detail == null ? "" : detail.apply(v);
        steps.add(new Step(name, s, d));
        log.printf("%-18s %6.1f s  %s%n", name, s, d);
        log.flush();
        return v;
    }

    /**
     * Builds one patch. The target's cached tree is held for the whole build (a build patches it in
     * place): builds of one release take turns, in this JVM or another; builds of different
     * releases do not wait for each other.
     */
    @SuppressWarnings("try") // the lock is held by the try block itself
    public Result run() {
        long start = System.nanoTime();
        if (!Files.isRegularFile(o.patch)) throw new Failure(o.patch + ": no such patch file");
        String name = o.name != null ? o.name : defaultName(o.patch);
        KernelTarget target = step("target", () -> new TargetResolver().release(o.release).sourceDir(o.sourceDir)
                .config(o.config).systemMap(o.symbols).symvers(o.symvers)
                .sources(new SourcePackages(o.cacheRoot, SourcePackages.Downloader.APT)).otherSuites(new TargetPackages(o.cacheRoot))
                .progress(this::progress).resolve(),
                t -> t.release() + (t.sourceVersion() != null ? " (source " + t.sourceVersion() + " = image " + t.imageVersion() + ")" : ""));
        target.warnings().forEach(w -> log.println("warning: " + w));
        SourceTreeCache cache = new SourceTreeCache(SourceTreeCache.dirFor(o.cacheRoot, target), target, o.jobs);
        try (SourceTreeCache.Held held = cache.lock()) {
            step("source tree", () -> cache.ensure(msg -> { }), made -> (made ? "made " : "cached ") + cache.tree());
            Path work;
            try {
                work = Files.createTempDirectory("klp4j-build-");
            } catch (IOException e) {
                throw new Failure("cannot create a work directory: " + e.getMessage());
            }
            try {
                return build(target, cache.tree(), cache.cacheDir(), work, name, start);
            } finally {
                if (o.skipCleanup) log.println("work directory kept: " + work);
                else try { FileTrees.delete(work); } catch (IOException ignored) { /* temp dir */ }
            }
        }
    }

    private Result build(KernelTarget target, Path tree, Path cacheDir, Path work, String name, long start) {
        PatchApplier applier = new PatchApplier(tree, cacheDir.resolve("journal"), o.patch);
        PatchApplier.recover(tree, cacheDir.resolve("journal"));
        KbuildQuery kbuild = new KbuildQuery(tree, target.toolchain());
        // Check the patch applies before compiling anything: a bad patch fails in a second.
        step("check patch", () -> { applier.check(); return applier.diff().files().size(); }, n -> n + " file(s)");
        // The patched files on both sides, for the review's hunks.
        Map<String, String> before = new LinkedHashMap<>(), after = new LinkedHashMap<>();
        for (UnifiedDiff.FilePatch f : applier.diff().files()) before.put(f.path(), readOrEmpty(tree.resolve(f.path())));
        applier.apply();
        try {
            for (String f : before.keySet()) after.put(f, readOrEmpty(tree.resolve(f)));
        } finally {
            applier.revert();
        }
        // Where every hunk is in code no live patch can change (__init, notrace, assembly, the vDSO,
        // a user-space ABI change), the source says so: nothing needs compiling.
        List<SourceHunk> hunks = hunks(before, after);
        java.util.Optional<ReviewReport> decided = o.accept.contains(Rule.NOT_PATCHABLE) ? java.util.Optional.empty()
                : Reviewer.decidedBySource(hunks);
        if (decided.isPresent()) return decidedBySource(target, decided.get(), start);
        ChangedObjects changed = new ChangedObjects(tree, kbuild, o.jobs).progress(m -> {
            if (interactive) { log.printf("%-18s   %s%s\r", "changed objects", m, " ".repeat(20)); log.flush(); }
        });
        ChangedObjects.Changes changes = step("changed objects", () -> changed.find(applier.diff()),
                c -> String.join(" ", c.sources()) + (c.headers().isEmpty() ? "" : (c.sources().isEmpty() ? "" : "; ")
                        + "headers: " + c.considered() + " file(s) include them"));
        // The headers live in the target's cache directory, so the compile flags (and the cached originals' key) stay the same.
        ObjectCompiler compiler = new ObjectCompiler(tree, o.jobs, AuthorHeaders.writeTo(cacheDir.resolve("include")), kbuild::makeTarget, target.toolchain())
                .makeCalls(kbuild::makeCalls);
        Path origDir = work.resolve("orig"), patchedDir = work.resolve("patched"), outDir = work.resolve("out");
        if (!changes.headers().isEmpty() && !changes.sources().isEmpty()) {
            // Finding the users of a header can take minutes; a patched .c that does not compile (a fix
            // taken without the change it depends on) should fail in seconds instead.
            step("compile sources", () -> {
                applier.apply();
                try {
                    compiler.compile(changes.sources(), patchedDir);
                } finally {
                    applier.revert();
                }
                return changes.sources().size();
            }, n -> n + " patched object(s) compile");
        }
        if (changes.considered() > WIDE_HEADER && !o.accept.contains(Rule.TYPE_LAYOUT)) {
            // A struct of a header this many files include changes layout: finding and comparing its
            // users takes an hour on 2 cores, to end in the same type-layout refusal.
            List<Finding> layout = Reviewer.headerLayouts(hunks);
            if (!layout.isEmpty()) return decidedBySource(target, new ReviewReport(hunks.size(), 0, layout), start);
        }
        List<String> objects = changes.headers().isEmpty() ? changes.sources()
                : step("header users", () -> changed.affected(changes, applier::apply, applier::revert),
                        l -> changes.considered() + " considered, " + changed.preprocessedCount() + " preprocessed, "
                                + (l.size() - changes.sources().size()) + " use the change: " + String.join(" ", l));
        if (objects.isEmpty()) {
            throw new Failure(Failure.Kind.NO_CHANGE, "no patchable change: the patched headers change no object's preprocessed code");
        }
        OriginalObjectCache originals = new OriginalObjectCache(tree, cacheDir, compiler.flags());
        step("compile original", () -> {
            List<String> todo = originals.restore(objects, origDir);
            compiler.compile(todo, origDir);
            originals.store(todo, origDir);
            return objects.size() - todo.size();
        }, cached -> objects.size() + " object(s), " + cached + " from the cache");
        step("apply patch", () -> { applier.apply(); return 0; }, null);
        try {
            step("compile patched", () -> {
                compiler.compile(objects.stream().filter(obj -> !Files.isRegularFile(patchedDir.resolve(obj))).toList(), patchedDir);
                return objects.size();
            }, n -> n + " object(s)");
        } finally {
            applier.revert();
        }
        ObjectOwner owners = new ObjectOwner(kbuild, target.modulesDir());
        Map<String, ObjectOwner.Owner> owner = step("owners", () -> {
            Map<String, ObjectOwner.Owner> m = new LinkedHashMap<>();
            for (String obj : objects) m.put(obj, owners.owner(obj, origDir));
            return m;
        }, m -> describeOwners(m));
        if (o.compileOnly) return new Result(target.release(), null, steps, List.of(), null, (System.nanoTime() - start) / 1e9);
        StructSizes sizes = step("entry sizes", () -> TargetStructSizes.of(tree, target.toolchain()), StructSizes::toString);
        Map<String, ObjectDiffer.Outcome> diffs = step("diff", () -> diffAll(objects, owner, origDir, patchedDir, outDir, sizes), m -> describeDiffs(m));
        ReviewReport review = step("review", () -> review(tree, objects, diffs, origDir, patchedDir, hunks, after), ReviewReport::summary);
        if (!o.reviewOnly) review.findings().forEach(f -> log.println("  " + f.line())); // klp4j review prints them itself, with remedies
        if (o.reviewOnly) return new Result(target.release(), null, steps, List.of(), review, (System.nanoTime() - start) / 1e9);
        List<String> refusals = new ArrayList<>();
        diffs.forEach((obj, d) -> { if (d.result().outcome() == DiffResult.Outcome.REFUSED) refusals.add(obj + ": " + String.join("; ", d.result().reasons())); });
        List<Finding> blocking = review.blocking(o.accept);
        if (refusals.isEmpty() && !blocking.isEmpty()) {
            throw new Failure(Failure.Kind.REFUSED, refusal("the patch cannot be live patched safely (klp4j review)", blocking));
        }
        if (!refusals.isEmpty()) throw new Failure(Failure.Kind.REFUSED, "the patch cannot be live patched:\n  " + String.join("\n  ", refusals));
        if (diffs.values().stream().allMatch(d -> d.result().outcome() == DiffResult.Outcome.NO_CHANGE)) {
            throw new Failure(Failure.Kind.NO_CHANGE, "no patchable change: the patch changes no function's code (only e.g. line numbers in WARN/BUG)");
        }

        ModuleSymvers symvers = ModuleSymvers.read(target.symvers());
        Map<String, KernelSymbols> symbolCache = new HashMap<>();
        Supplier<KernelSymbols> vmlinux = () -> symbolCache.computeIfAbsent("vmlinux", k -> vmlinuxSymbols(target, cacheDir));
        ConfigConditions config = ConfigConditions.of(tree);
        // kbuild's delay-objtool: objtool checks a multi-object module when it links it.
        ModuleGenerator gen = new ModuleGenerator(name, o.replace)
                .objtoolAtLink(config.enabled("CONFIG_X86_KERNEL_IBT") || config.enabled("CONFIG_LTO_CLANG"));
        List<ObjectReport> reports = new ArrayList<>();
        List<String> loadTimeRefusals = new ArrayList<>();
        step("resolve symbols", () -> {
            Map<String, PatchObject> patches = new LinkedHashMap<>();
            for (String obj : objects) if (diffs.get(obj).result().outcome() == DiffResult.Outcome.PATCH) patches.put(obj, diffs.get(obj).result().patch());
            PatchDefinitions own = PatchDefinitions.of(patches);
            for (var e : patches.entrySet()) {
                String obj = e.getKey();
                PatchObject patch = e.getValue();
                DiffResult d = diffs.get(obj).result();
                // One owner: the one the owners step gave the differ, as the patch object records it
                // (the owners step still knows where a module's .ko is).
                String object = patch.meta().object();
                KernelSymbols home = object.equals(ObjectOwner.VMLINUX) ? null : symbolCache.computeIfAbsent(object,
                        k -> KernelSymbols.fromModule(k, readModule(target.modulesDir().resolve(owner.get(obj).modulePath()), work)));
                own.globalize(patch);
                SymbolResolver resolver = new SymbolResolver(object, symvers, vmlinux, home, diffs.get(obj).originalDefinitions(), own.names());
                LoadTimeTables.Outcome early = LoadTimeTables.apply(patch.elf(),
                        s -> resolver.resolve(s.name(), patch.meta().wasLocal(s.name())), sizes);
                early.dropped().forEach(w -> log.println("warning: " + obj + ": " + w));
                early.refused().forEach(r -> loadTimeRefusals.add(obj + ": " + r));
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
                gen.add(patch, sympos, exportCrcs(ObjectCompiler.cmdFile(patchedDir, obj)));
                reports.add(new ObjectReport(obj, object, d.outcome(), d.changed(), d.added(), klp));
            }
            return reports;
        }, r -> r.stream().mapToInt(x -> x.klpSymbols().size()).sum() + " livepatch symbol(s)");
        if (!loadTimeRefusals.isEmpty()) {
            throw new Failure(Failure.Kind.REFUSED, "the patch cannot be live patched:\n  " + String.join("\n  ", loadTimeRefusals));
        }
        Path ko = step("module", () -> {
            Path built = gen.build(work.resolve("module"), target.kbuildDir(), o.jobs, target.toolchain());
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
        }, p -> p.toString());
        return new Result(target.release(), ko.toString(), steps, reports, review, (System.nanoTime() - start) / 1e9);
    }

    /**
     * The review of the patch (see {@link Reviewer}): its hunks, and each object compiled on both
     * sides with the functions the differ kept. The differ's refusals are findings too, so
     * {@code klp4j review} says everything at once.
     */
    private ReviewReport review(Path tree, List<String> objects, Map<String, ObjectDiffer.Outcome> diffs, Path origDir, Path patchedDir,
                                List<SourceHunk> hunks, Map<String, String> after) {
        List<ObjectPair> pairs = new ArrayList<>();
        List<Finding> refused = new ArrayList<>();
        for (String obj : objects) {
            DiffResult d = diffs.get(obj).result();
            String source = obj.substring(0, obj.length() - 2) + ".c";
            String text = after.containsKey(source) ? after.get(source) : readOrEmpty(tree.resolve(source));
            pairs.add(new ObjectPair(obj, origDir.resolve(obj), patchedDir.resolve(obj), d.changed(), d.added(), PatchHunks.functions(text)));
            for (String reason : d.reasons()) {
                refused.add(new Finding(Rule.NOT_PATCHABLE, Severity.UNSAFE, source, null, null, reason,
                        "see the reason; docs/build.md lists what a live patch can change"));
            }
        }
        ReviewReport r;
        try {
            r = new Reviewer(Toolchain.HOST).review(hunks, pairs); // pahole reads any DWARF; the objects are on the host
        } catch (Failure e) {
            throw new Failure(Failure.Kind.TOOL, e.getMessage());
        }
        List<Finding> all = new ArrayList<>(r.findings());
        // The differ's reason for a function the source rules already named says the same again.
        for (Finding f : refused) {
            boolean said = r.findings().stream().anyMatch(x -> x.rule() == Rule.NOT_PATCHABLE && x.function() != null
                    && x.file().equals(f.file()) && f.message().startsWith(x.function() + ":"));
            if (!said) all.add(f);
        }
        return new ReviewReport(r.hunks(), r.functions(), all);
    }

    /** Includers of the patched headers beyond which a struct change is judged from the source. */
    static final int WIDE_HEADER = 1000;

    /** The end of a build the source alone decided: {@code klp4j review}'s report, or the refusal. */
    private Result decidedBySource(KernelTarget target, ReviewReport decided, long start) {
        ReviewReport r = step("review", () -> decided, x -> x.summary() + " (from the source alone: nothing compiled)");
        if (o.reviewOnly) return new Result(target.release(), null, steps, List.of(), r, (System.nanoTime() - start) / 1e9);
        throw new Failure(Failure.Kind.REFUSED,
                refusal("the patch cannot be live patched (klp4j review, from the source alone)", r.blocking(o.accept)));
    }

    /** The patch's hunks, cut by construct, from each patched file on both sides. */
    private static List<SourceHunk> hunks(Map<String, String> before, Map<String, String> after) {
        List<SourceHunk> hunks = new ArrayList<>();
        for (String f : before.keySet()) hunks.addAll(PatchHunks.of(f, before.get(f), after.get(f)));
        return hunks;
    }

    /** A refusal listing review findings with what to do, and how to build anyway once checked. */
    private static String refusal(String title, List<Finding> blocking) {
        List<String> lines = new ArrayList<>();
        for (Finding f : blocking) lines.add(f.line() + "\n    what to do: " + f.remedy());
        return title + ":\n  " + String.join("\n  ", lines) + "\n  (once you have checked, --accept "
                + blocking.stream().map(f -> f.rule().id()).distinct().collect(java.util.stream.Collectors.joining(" --accept ")) + " builds it anyway)";
    }

    private static String readOrEmpty(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            throw new Failure(p + ": cannot read: " + e.getMessage());
        }
    }

    private Map<String, ObjectDiffer.Outcome> diffAll(List<String> objects, Map<String, ObjectOwner.Owner> owner, Path origDir,
                                                      Path patchedDir, Path outDir, StructSizes sizes) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(o.jobs, objects.size())));
        try {
            Map<String, Future<ObjectDiffer.Outcome>> futures = new LinkedHashMap<>();
            for (String obj : objects) {
                futures.put(obj, pool.submit(() -> {
                    ObjectDiffer.Outcome d = differ.diff(origDir.resolve(obj), patchedDir.resolve(obj), new DiffOptions(sizes, owner.get(obj).name()));
                    if (o.skipCleanup && d.result().outcome() == DiffResult.Outcome.PATCH) {
                        // For whoever inspects the kept work directory (as `klp4j diff -o` writes it); never read back.
                        Files.createDirectories(outDir.resolve(obj).getParent());
                        PatchObjectFile.write(d.result().patch(), outDir.resolve(obj));
                    }
                    return d;
                }));
            }
            Map<String, ObjectDiffer.Outcome> out = new LinkedHashMap<>();
            for (var e : futures.entrySet()) {
                try {
                    out.put(e.getKey(), e.getValue().get());
                } catch (java.util.concurrent.ExecutionException ex) {
                    // A bug (or a Failure reading the objects) goes on as it is; only I/O of the kept work directory is wrapped.
                    if (ex.getCause() instanceof RuntimeException re) throw re;
                    if (ex.getCause() instanceof Error err) throw err;
                    throw new Failure(Failure.Kind.TOOL, "diff of " + e.getKey() + " failed: " + ex.getCause());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    throw new Failure(Failure.Kind.TOOL, "interrupted");
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * vmlinux's symbols in kallsyms order, from the first of: --symbols; a real /boot/System.map;
     * /proc/kallsyms when the target is the running kernel; the kallsyms tables inside vmlinuz
     * (read once and kept in the cache directory as kallsyms.map).
     */
    static KernelSymbols vmlinuxSymbols(KernelTarget target, Path cacheDir) {
        Path map = target.systemMap();
        if (target.symbolsGiven()) return KernelSymbols.readMap("vmlinux", map, null);
        try {
            if (Files.isRegularFile(map) && Files.size(map) > 4096) return KernelSymbols.readMap("vmlinux", map, null);
        } catch (IOException ignored) { /* fall through */ }
        String running = Exec.run(null, List.of("uname", "-r")).output().strip();
        if (running.equals(target.release()) && Files.isReadable(Path.of("/proc/kallsyms"))) {
            return KernelSymbols.readMap("vmlinux", Path.of("/proc/kallsyms"), null);
        }
        if (!Files.isRegularFile(target.vmlinuz())) return KernelSymbols.readMap("vmlinux", map, null); // explains what is missing
        try {
            Path cached = cacheDir.resolve("kallsyms.map");
            Path stamp = cacheDir.resolve("kallsyms.stamp");
            String key = target.vmlinuz() + " " + Files.size(target.vmlinuz()) + " " + Files.getLastModifiedTime(target.vmlinuz()).toMillis();
            if (Files.isRegularFile(cached) && Files.isRegularFile(stamp) && Files.readString(stamp).equals(key)) {
                return KernelSymbols.readMap("vmlinux", cached, null);
            }
            KernelSymbols s = dev.klp4j.klp.VmlinuxKallsyms.fromVmlinuz(target.vmlinuz());
            Files.createDirectories(cacheDir);
            dev.klp4j.klp.VmlinuxKallsyms.writeMap(s, cached);
            Files.writeString(stamp, key);
            return s;
        } catch (IOException e) {
            throw new Failure("cannot cache vmlinux's symbols in " + cacheDir + ": " + e.getMessage());
        }
    }

    /** genksyms' CRCs ({@code #SYMVER NAME CRC} lines) in kbuild's record of a compiled object. */
    static Map<String, String> exportCrcs(Path cmdFile) {
        Map<String, String> out = new HashMap<>();
        try {
            if (!Files.isRegularFile(cmdFile)) return out;
            for (String l : Files.readAllLines(cmdFile, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String[] f = l.strip().split("\\s+");
                if (f.length == 3 && f[0].equals("#SYMVER")) out.put(f[1], f[2]);
            }
        } catch (IOException e) {
            throw new Failure(cmdFile + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    /** A module of the target, unpacked into {@code work} when the kernel ships it compressed (Debian 13). */
    private static ElfFile readModule(Path ko, Path work) {
        try {
            return readElf(ModuleFile.uncompressed(ko, work));
        } catch (dev.klp4j.base.Failure e) {
            throw new Failure(e.getMessage());
        }
    }

    private static ElfFile readElf(Path p) {
        try {
            return ElfReader.read(p);
        } catch (IOException | dev.klp4j.elf.ElfFormatException e) {
            throw new Failure(p + ": " + e.getMessage());
        }
    }

    private static String describeOwners(Map<String, ObjectOwner.Owner> m) {
        List<String> s = new ArrayList<>();
        m.forEach((k, v) -> s.add(k + "->" + v.name()));
        return String.join(" ", s);
    }

    private static String describeDiffs(Map<String, ObjectDiffer.Outcome> m) {
        List<String> s = new ArrayList<>();
        m.forEach((k, v) -> s.add(k + ": " + (switch (v.result().outcome()) {
            case PATCH -> "changed=" + v.result().changed() + " new=" + v.result().added();
            case NO_CHANGE -> "no change";
            case REFUSED -> "refused";
        })));
        return String.join("; ", s);
    }

    /** klp4j_&lt;patch file name without extension&gt;, made a valid module name. */
    public static String defaultName(Path patch) {
        String base = patch.getFileName().toString().replaceFirst("\\.(patch|diff)$", "");
        String n = ("klp4j_" + base).replaceAll("[^A-Za-z0-9_]", "_");
        return n.length() > 55 ? n.substring(0, 55) : n;
    }
}
