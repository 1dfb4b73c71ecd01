package dev.klp4j.kbuild;

import dev.klp4j.base.Failure;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import dev.klp4j.base.Exec;

import dev.klp4j.base.Toolchain;
import dev.klp4j.source.AuthorHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/**
 * Compiles single objects with kbuild's single-object targets ({@code make fs/proc/cmdline.o}), so
 * every object gets exactly the kernel's own flags (and objtool's run), plus
 * {@code -ffunction-sections -fdata-sections} through KCFLAGS so each function and datum has its
 * own section for the differ. All objects of one side go to one make call, which runs up to -j in
 * parallel. The objects and kbuild's command records ({@code .NAME.o.cmd}) are copied out of the tree.
 */
public final class ObjectCompiler {
    public static final String KCFLAGS = "-ffunction-sections -fdata-sections";

    /**
     * Errors, on the patched side only, for what gcc before 14 merely warns of and a fix compiled
     * without the rest of its change gets wrong: a pointer passed where the running kernel's
     * prototype takes an integer (or back) is silently converted, so a caller changed for a new
     * prototype calls the old function with a truncated pointer. An error makes the update join
     * the fix with the change that goes with it. Error lines carry the option's name, so a reason
     * says which. (The original side keeps the kernel's own flags: a warning there is the kernel's.)
     */
    public static final String PATCHED_ERRORS = "-Werror=int-conversion";

    private final Path tree;
    private final int jobs;
    private final Path includeDir;
    private final Toolchain tools;
    private java.util.function.BiFunction<List<String>, List<String>, List<List<String>>> makeCalls;
    /** Added to every compile's environment (a compiler cluster's PATH); empty: compile here. */
    private Map<String, String> env = Map.of();
    /** Where patched objects are kept by content (null: none, as for a patch that changes more than sources). */
    private PatchedObjectCache patchedCache;

    public ObjectCompiler(Path tree, int jobs) {
        this(tree, jobs, null, java.util.function.UnaryOperator.identity());
    }

    /**
     * With {@code includeDir} (the patch-author headers, see {@link AuthorHeaders}) on the include
     * path, and {@code makeTarget} naming each object as make must be asked for it ({@link KbuildQuery#makeTarget}).
     */
    public ObjectCompiler(Path tree, int jobs, Path includeDir, java.util.function.UnaryOperator<String> makeTarget) {
        this(tree, jobs, includeDir, makeTarget, Toolchain.HOST);
    }

    /** As {@link #ObjectCompiler(Path, int, Path, java.util.function.UnaryOperator)}, compiling through {@code tools}. */
    public ObjectCompiler(Path tree, int jobs, Path includeDir, java.util.function.UnaryOperator<String> makeTarget, Toolchain tools) {
        this.tools = tools;
        this.tree = tree;
        this.jobs = Math.max(1, jobs);
        this.includeDir = includeDir;
        this.makeCalls = (base, objects) -> {
            List<String> call = new ArrayList<>(base);
            for (String o : objects) call.add(makeTarget.apply(o));
            return List.of(call);
        };
    }

    /**
     * The extra flags every object gets (KCFLAGS). On a kernel with x86 runtime constants (6.11+),
     * klp4j's own header replaces {@code <asm/runtime-const.h>}: their boot-time placeholders would
     * be a wild pointer in a patch's copy of the code (see {@code klp4j-runtime-const.h}).
     */
    public String flags() {
        if (includeDir == null) return KCFLAGS;
        String flags = KCFLAGS + " -I" + includeDir.toAbsolutePath();
        Path header = includeDir.resolve(AuthorHeaders.RUNTIME_CONSTANTS);
        if (Files.isRegularFile(tree.resolve("arch/x86/include/asm/runtime-const.h")) && Files.isRegularFile(header)) {
            flags += " -include " + header.toAbsolutePath();
        }
        return flags;
    }

    /** {@link #flags()} and {@link #PATCHED_ERRORS}: the patched side's compile flags. */
    public String patchedFlags() {
        return flags() + " " + PATCHED_ERRORS;
    }

    /** Compiles {@code objects} (paths relative to the tree) with the kernel's own flags and copies them under {@code outDir}. */
    public void compile(List<String> objects, Path outDir) {
        make(objects, outDir, flags());
    }

    /**
     * As {@link #compile}, with the patched side's flags ({@link #patchedFlags()}); an object the
     * patched cache has for the tree as it is now is copied instead. Returns how many were.
     */
    public int compilePatched(List<String> objects, Path outDir) {
        List<String> todo = notCached(objects, outDir);
        make(todo, outDir, patchedFlags());
        return objects.size() - todo.size();
    }

    /** The objects the patched cache cannot supply; the others are copied to {@code outDir}. */
    private List<String> notCached(List<String> objects, Path outDir) {
        if (patchedCache == null) return objects;
        return objects.stream().filter(o -> !patchedCache.restore(o, outDir)).toList();
    }

    /**
     * Keeps a patched object just compiled in the tree with {@code record} (kbuild's record handed
     * out with it), under the files its compile read: {@code deps}, gcc's dependency file of a
     * replay or kbuild's record that make wrote from it.
     */
    private void keepPatched(String object, Path record, Path deps) throws IOException {
        if (patchedCache == null || !Files.isRegularFile(deps)) return;
        List<String> read = deps.getFileName().toString().endsWith(".d")
                ? PatchedObjectCache.fromGcc(Files.readString(deps, java.nio.charset.StandardCharsets.ISO_8859_1))
                : PatchedObjectCache.fromRecord(Files.readAllLines(deps, java.nio.charset.StandardCharsets.ISO_8859_1));
        patchedCache.store(object, tree.resolve(object), record, read);
    }

    private void make(List<String> objects, Path outDir, String kcflags) {
        if (objects.isEmpty()) return;
        try {
            for (String o : objects) {
                // Always rebuild: a stale object (e.g. the other side's) must never be taken for this one.
                Files.deleteIfExists(tree.resolve(o));
            }
            // -k: every object that fails says so in one call (a batch of fixes takes all of them out at
            // once), and every call runs whatever an earlier one said: a batch's objects are often
            // several calls (amdgpu's M= directories), and stopping at the first failing call left
            // the others' errors to a compile of the whole batch again for each call.
            List<String> failed = new ArrayList<>();
            for (List<String> call : makeCalls.apply(List.of("make", "-k", "-j" + jobs, "KCFLAGS=" + kcflags), objects)) {
                Toolchain.Result r = Exec.run(tools, tree, call, env);
                if (!r.ok()) failed.add(errors(r));
            }
            // What was made is kept even when another object failed (kbuild deletes a target whose
            // recipe failed): a batch compiled again without the failing fixes need not make it again.
            List<String> missing = new ArrayList<>();
            for (String o : objects) {
                Path src = tree.resolve(o);
                if (!Files.isRegularFile(src)) {
                    missing.add(o);
                    continue;
                }
                Path dst = outDir.resolve(o);
                Files.createDirectories(dst.getParent());
                Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                Path cmdFile = cmdFile(tree, o);
                if (Files.exists(cmdFile)) Files.copy(cmdFile, cmdFile(outDir, o), StandardCopyOption.REPLACE_EXISTING);
                if (kcflags.equals(patchedFlags())) keepPatched(o, cmdFile, cmdFile);
                Files.deleteIfExists(src);
            }
            if (!failed.isEmpty()) {
                throw new Failure(Failure.Kind.TOOL, "compiling " + String.join(" ", objects) + " failed:\n" + String.join("\n", failed));
            }
            if (!missing.isEmpty()) throw new Failure(Failure.Kind.TOOL, "make did not produce " + missing.get(0));
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot copy compiled objects: " + e.getMessage());
        }
    }

    /**
     * Compiles {@code objects} as {@link #compile} does, but replays the command kbuild recorded for
     * each in {@code records} (the original side's {@code .NAME.o.cmd}: compiler and objtool, with
     * this compiler's flags) instead of asking make again: make spends seconds deciding what is up
     * to date around a compile of half a second. An object without such a record, one whose replay
     * fails, and one that exports symbols (kbuild then also runs genksyms, whose CRCs the module
     * needs) are made by make as before. These are the patched side's objects: each gets
     * {@link #patchedFlags()}.
     */
    public int compileLike(List<String> objects, Path records, Path outDir) {
        List<String> todo = notCached(objects, outDir);
        List<String> byMake = java.util.Collections.synchronizedList(new ArrayList<>());
        // Replays are independent compiles of distinct objects: as many run at once as make's -j would.
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(Math.max(1, Math.min(jobs, todo.size())));
        try {
            List<java.util.concurrent.Future<?>> replays = new ArrayList<>();
            for (String o : todo) {
                replays.add(pool.submit(() -> {
                    String recorded = recordedCommand(records, o);
                    String cmd = recorded == null ? null : patchedCommand(recorded);
                    Files.deleteIfExists(tree.resolve(o));
                    if (cmd == null || !Exec.run(tools, tree, List.of("sh", "-c", cmd), env).ok() || exportsSymbols(tree.resolve(o))) {
                        byMake.add(o);
                        return null;
                    }
                    Path dst = outDir.resolve(o);
                    Files.createDirectories(dst.getParent());
                    Files.copy(tree.resolve(o), dst, StandardCopyOption.REPLACE_EXISTING);
                    Files.copy(cmdFile(records, o), cmdFile(outDir, o), StandardCopyOption.REPLACE_EXISTING);
                    keepPatched(o, cmdFile(records, o), gccDependencies(o));
                    Files.deleteIfExists(gccDependencies(o));
                    Files.deleteIfExists(tree.resolve(o));
                    return null;
                }));
            }
            for (java.util.concurrent.Future<?> f : replays) f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof Failure f) throw f;
            throw new Failure(Failure.Kind.TOOL, "cannot copy compiled objects: " + e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(Failure.Kind.TOOL, "interrupted");
        } finally {
            pool.shutdownNow();
        }
        // make compiles the rest in the objects' order
        List<String> rest = todo.stream().filter(byMake::contains).toList();
        make(rest, outDir, patchedFlags());
        return objects.size() - todo.size();
    }

    /** gcc's dependency file of a compile in the tree ({@code -Wp,-MMD,dir/.name.o.d}): a replay leaves it, make's fixdep does not. */
    private Path gccDependencies(String object) {
        Path record = cmdFile(tree, object);
        return record.resolveSibling(record.getFileName().toString().replaceFirst("\\.cmd$", ".d"));
    }

    /** Patched objects are kept in and taken from {@code cache} (see {@link PatchedObjectCache}). */
    public ObjectCompiler cachingPatched(PatchedObjectCache cache) {
        this.patchedCache = cache;
        return this;
    }

    /** An original object's recorded command as the patched side runs it: its errors after our flags. */
    String patchedCommand(String recorded) {
        return recorded.replace(flags(), patchedFlags());
    }

    /** The command of kbuild's record of {@code object} in {@code root}, if it was made with this compiler's flags. */
    private String recordedCommand(Path root, String object) throws IOException {
        Path record = cmdFile(root, object);
        if (!Files.isRegularFile(record)) return null;
        String first;
        try (var lines = Files.lines(record, java.nio.charset.StandardCharsets.ISO_8859_1)) {
            first = lines.findFirst().orElse("");
        }
        // 6.1 writes "cmd_OBJ := ...", 6.3+ "savedcmd_OBJ := ...".
        for (String prefix : List.of("cmd_" + object + " := ", "savedcmd_" + object + " := ")) {
            if (first.startsWith(prefix)) {
                String cmd = first.substring(prefix.length());
                return cmd.contains(flags()) ? cmd : null;
            }
        }
        return null;
    }

    /** Whether a compiled object exports symbols (6.1's ksymtab entries, 6.5+'s .export_symbol records). */
    private static boolean exportsSymbols(Path object) throws IOException {
        if (!Files.isRegularFile(object)) return true;
        try {
            for (Symbol s : ElfReader.read(object).symbols()) {
                if (s.name().startsWith("__ksymtab") || s.name().startsWith("__export_symbol_")) return true;
            }
            return false;
        } catch (ElfFormatException e) {
            return true; // make will say what is wrong with it
        }
    }

    /**
     * How the make calls for a list of objects are made: by default one call naming each through
     * {@code makeTarget}; {@link KbuildQuery#makeCalls} also asks some directories alone.
     */
    public ObjectCompiler makeCalls(java.util.function.BiFunction<List<String>, List<String>, List<List<String>>> calls) {
        this.makeCalls = calls;
        return this;
    }

    /** Compiles go through {@code cluster} (see {@link CompilerCluster}); {@code base} adds to their environment (DISTCC_HOSTS). */
    public ObjectCompiler via(CompilerCluster cluster, Map<String, String> base) {
        this.env = Map.copyOf(cluster.environment(tools, base));
        return this;
    }

    /** kbuild's record of how {@code object} was built: {@code dir/.name.o.cmd}. */
    public static Path cmdFile(Path root, String object) {
        int slash = object.lastIndexOf('/');
        return root.resolve(object.substring(0, slash + 1) + "." + object.substring(slash + 1) + ".cmd");
    }

    /** The compiler's error lines, or the tail of the output when there are none. */
    private static String errors(Toolchain.Result r) {
        StringBuilder sb = new StringBuilder();
        for (String l : r.output().split("\n")) {
            if (l.contains("error:") || l.contains("Error ") || l.contains("warning: objtool")) sb.append(l).append('\n');
        }
        return sb.length() > 0 ? sb.toString().strip() : r.tail(20);
    }

    /** genksyms' CRCs ({@code #SYMVER NAME CRC} lines) in kbuild's record of an object compiled into {@code root}. */
    public static Map<String, String> exportCrcs(Path root, String object) {
        Path cmd = cmdFile(root, object);
        Map<String, String> out = new HashMap<>();
        try {
            if (!Files.isRegularFile(cmd)) return out;
            for (String l : Files.readAllLines(cmd, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String[] f = l.strip().split("\\s+");
                if (f.length == 3 && f[0].equals("#SYMVER")) out.put(f[1], f[2]);
            }
        } catch (IOException e) {
            throw new Failure(cmd + ": cannot read: " + e.getMessage());
        }
        return out;
    }
}
