package dev.klp4j.kbuild;

import dev.klp4j.base.CacheRoot;
import dev.klp4j.base.Failure;
import dev.klp4j.base.FileDigest;
import dev.klp4j.base.Toolchain;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Builds an out-of-tree module with a kernel's own kbuild ({@code make -C KBUILD M=DIR modules}),
 * so vermagic and modversion CRCs are the target's. Output goes to {@code DIR/build.log}; a make
 * that hangs is killed after the timeout.
 */
public final class Kbuild {
    public record Result(int exit, String log, Path logFile) {
        public boolean ok() {
            return exit == 0;
        }

        /** The first error line make printed, else its last line: what a one-line message should quote. */
        public String firstError() {
            return log.lines().filter(l -> l.contains("error") || l.contains("ERROR")).findFirst()
                    .orElse(log.lines().reduce((a, b) -> b).orElse("exit " + exit)).strip();
        }
    }

    private Kbuild() {}

    public static Result modules(Path kbuildDir, Path moduleDir, int jobs, Map<String, String> env, Duration timeout) {
        return modules(Toolchain.HOST, kbuildDir, moduleDir, jobs, env, timeout);
    }

    /**
     * Builds the module {@code name} of {@code objects} (C sources in {@code moduleDir} compiled,
     * the others prebuilt there) as {@link #modules} does, and writes its Kbuild file. The first
     * build for a kernel runs make and keeps the commands kbuild recorded ({@link ModuleRecipe}),
     * once they rebuild the same .ko byte for byte; later builds run those commands without make,
     * which spares make's compiler probes. A replay that fails hands over to make, which tells a
     * true error from a recipe that no longer fits (then dropped).
     */
    public static Result module(Toolchain tools, Path kbuildDir, Path moduleDir, String name, List<String> objects, int jobs,
                                Map<String, String> env, Duration timeout) {
        return module(tools, kbuildDir, moduleDir, name, objects, jobs, env, timeout, CacheRoot.path().resolve("module-recipes"));
    }

    /** As {@link #module(Toolchain, Path, Path, String, List, int, Map, Duration)}, with the recipes kept in {@code recipes}. */
    static Result module(Toolchain tools, Path kbuildDir, Path moduleDir, String name, List<String> objects, int jobs,
                         Map<String, String> env, Duration timeout, Path recipes) {
        try {
            Files.writeString(moduleDir.resolve("Kbuild"), "obj-m := " + name + ".o\n" + name + "-y := " + String.join(" ", objects) + "\n");
            List<String> sources = objects.stream().map(o -> o.replaceFirst("\\.o$", ""))
                    .filter(b -> Files.isRegularFile(moduleDir.resolve(b + ".c"))).toList();
            Path store = recipeFile(tools, kbuildDir, env, recipes);
            Path unusable = Path.of(store + ".unusable");
            Optional<ModuleRecipe> recipe = Files.isRegularFile(store) ? ModuleRecipe.parse(Files.readString(store)) : Optional.empty();
            if (recipe.isPresent() && ModuleRecipe.fits(moduleDir, name, sources)) {
                Result replayed = replay(recipe.get(), tools, kbuildDir, moduleDir, name, objects, sources, timeout, moduleDir.resolve("build.log"));
                if (replayed.ok()) return replayed;
                Result made = modules(tools, kbuildDir, moduleDir, jobs, env, timeout);
                if (made.ok()) {
                    Files.deleteIfExists(store);
                    Files.writeString(unusable, "make built what the recipe did not: " + replayed.firstError() + "\n");
                }
                return made;
            }
            Result made = modules(tools, kbuildDir, moduleDir, jobs, env, timeout);
            if (made.ok() && !Files.exists(unusable) && ModuleRecipe.fits(moduleDir, name, sources)) {
                learn(tools, kbuildDir, moduleDir, name, objects, sources, env, timeout, made.log(), store, unusable);
            }
            return made;
        } catch (IOException e) {
            throw Failure.failed("building module " + name + " in " + moduleDir + ": " + e.getMessage());
        }
    }

    /** Variables of make itself, or of the shell it ran, which a replay must not inherit. */
    private static final java.util.Set<String> MAKE_OWN = java.util.Set.of("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES",
            "MAKE_TERMOUT", "MAKE_TERMERR", "_", "SHLVL", "PWD", "OLDPWD");

    /** Where the recipe of a kernel's kbuild is kept: keyed by its files as they are now and by the environment. */
    static Path recipeFile(Toolchain tools, Path kbuildDir, Map<String, String> env, Path recipes) throws IOException {
        StringBuilder key = new StringBuilder("recipe-1\n").append(tools.root()).append('\n').append(kbuildDir.toAbsolutePath()).append('\n');
        for (String f : List.of("Makefile", ".config", "Module.symvers")) {
            Path p = tools.hostPath(kbuildDir.toAbsolutePath().resolve(f));
            key.append(f).append(' ').append(Files.exists(p) ? Files.getLastModifiedTime(p).toMillis() + ":" + Files.size(p) : "-").append('\n');
        }
        key.append(new TreeMap<>(env));
        Path dir = Files.createDirectories(recipes);
        return dir.resolve(FileDigest.sha256(key.toString()).substring(0, 24) + ".recipe");
    }

    private static Result replay(ModuleRecipe recipe, Toolchain tools, Path kbuildDir, Path moduleDir, String name, List<String> objects,
                                 List<String> sources, Duration timeout, Path log) throws IOException {
        // NAME.mod lists the objects for the first link, as kbuild writes it.
        String dir = moduleDir.toAbsolutePath().toString();
        StringBuilder mod = new StringBuilder();
        for (String o : new LinkedHashSet<>(objects)) mod.append(dir).append('/').append(o).append('\n');
        Files.writeString(moduleDir.resolve(name + ".mod"), mod.toString());
        // modpost reads each object's .cmd for the CRCs of what it exports (none: a recipe is not
        // made from a source that exports); make would write it with the compile.
        for (String b : sources) Files.writeString(moduleDir.resolve("." + b + ".o.cmd"), "savedcmd_" + b + ".o := klp4j (kbuild recipe)\n");
        Toolchain.Result r = tools.run(kbuildDir, List.of("sh", "-c", recipe.script(moduleDir, name, sources)), recipe.environment(moduleDir, name),
                new byte[0], timeout, log);
        return new Result(r.status(), r.output(), log);
    }

    /** Keeps the recipe of the build make has just made in {@code moduleDir}, if it rebuilds the same .ko. */
    private static void learn(Toolchain tools, Path kbuildDir, Path moduleDir, String name, List<String> objects, List<String> sources,
                              Map<String, String> env, Duration timeout, String makeLog, Path store, Path unusable) throws IOException {
        Path ko = moduleDir.resolve(name + ".ko");
        String btf = null;
        if (makeLog.contains("BTF [M]") && !makeLog.contains("Skipping BTF generation")) {
            // kbuild records no command for the module's BTF: a verbose make of the final link shows it.
            Files.delete(ko);
            Path verbose = moduleDir.resolve("recipe-make.log");
            Toolchain.Result v = tools.run(moduleDir, List.of("make", "-C", kbuildDir.toString(), "M=" + moduleDir.toAbsolutePath(),
                    "V=1", "modules"), env, new byte[0], timeout, verbose);
            // The step is "if [ ! -f vmlinux ]; then printf ...; else PAHOLE...; RESOLVE_BTFIDS...; fi;", echoed
            // with the printf's newline made a line break: vmlinux is there, so the else branch is what ran.
            btf = v.output().lines().filter(l -> l.contains("--btf_base") && l.contains(ko.toAbsolutePath().toString()))
                    .map(String::strip).filter(l -> l.contains("else ") && l.endsWith("fi;"))
                    .map(l -> l.substring(l.indexOf("else ") + 5, l.length() - 3).strip()).findFirst().orElse(null);
            if (v.status() != 0 || btf == null || !Files.exists(ko)) {
                Files.writeString(unusable, "no BTF command in make V=1's output\n");
                return;
            }
        }
        // What kbuild exports to its commands (objtool needs SRCARCH; 6.12's refuses to run without it).
        Path envFile = moduleDir.resolve("recipe.env").toAbsolutePath();
        Toolchain.Result e = tools.run(moduleDir, List.of("make", "-s", "--no-print-directory", "-C", kbuildDir.toString(),
                "M=" + moduleDir.toAbsolutePath(), "--eval=klp4j-recipe-env: ; @env -0 > " + envFile, "klp4j-recipe-env"), env, new byte[0], timeout,
                moduleDir.resolve("recipe-env.log"));
        if (e.status() != 0 || !Files.exists(envFile)) {
            Files.writeString(unusable, "make did not show its environment: " + e.tail(1) + "\n");
            return;
        }
        Map<String, String> exported = new TreeMap<>();
        for (String kv : Files.readString(envFile).split("\0")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) continue;
            String k = kv.substring(0, eq), v = kv.substring(eq + 1);
            if (MAKE_OWN.contains(k) || v.equals(env.getOrDefault(k, System.getenv(k)))) continue;
            exported.put(k, v);
        }
        Optional<ModuleRecipe> recipe = ModuleRecipe.record(moduleDir, name, sources, btf, exported);
        if (recipe.isEmpty()) {
            Files.writeString(unusable, "the recorded commands name the module or its directory where they cannot be told apart\n");
            return;
        }
        byte[] made = Files.readAllBytes(ko);
        Files.delete(ko);
        Result again = replay(recipe.get(), tools, kbuildDir, moduleDir, name, objects, sources, timeout, moduleDir.resolve("recipe-check.log"));
        boolean same = again.ok() && Files.exists(ko) && Arrays.equals(made, Files.readAllBytes(ko));
        if (!same && Files.exists(ko)) Files.move(ko, moduleDir.resolve(name + ".ko.replayed"), StandardCopyOption.REPLACE_EXISTING);
        Files.write(ko, made);
        if (!same) {
            Files.writeString(unusable, again.ok() ? "the recorded commands built a different .ko\n" : "the recorded commands failed: " + again.firstError() + "\n");
            return;
        }
        Path tmp = Files.createTempFile(store.getParent(), "recipe", ".tmp");
        Files.writeString(tmp, recipe.get().text());
        Files.move(tmp, store, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** As {@link #modules(Path, Path, int, Map, Duration)}, where {@code tools} run (a build root for another suite's kernel). */
    public static Result modules(Toolchain tools, Path kbuildDir, Path moduleDir, int jobs, Map<String, String> env, Duration timeout) {
        Path log = moduleDir.resolve("build.log");
        Toolchain.Result r = tools.run(moduleDir, List.of("make", "-C", kbuildDir.toString(), "M=" + moduleDir.toAbsolutePath(),
                "-j" + Math.max(1, jobs), "modules"), env, new byte[0], timeout, log);
        return new Result(r.status(), r.output(), log);
    }
}
