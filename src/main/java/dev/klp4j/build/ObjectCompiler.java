package dev.klp4j.build;

import dev.klp4j.kernel.Toolchain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compiles single objects with kbuild's single-object targets ({@code make fs/proc/cmdline.o}), so
 * every object gets exactly the kernel's own flags (and objtool's run), plus
 * {@code -ffunction-sections -fdata-sections} through KCFLAGS so each function and datum has its
 * own section for the differ. All objects of one side go to one make call, which runs up to -j in
 * parallel. The objects and kbuild's command records ({@code .NAME.o.cmd}) are copied out of the tree.
 */
public final class ObjectCompiler {
    public static final String KCFLAGS = "-ffunction-sections -fdata-sections";

    private final Path tree;
    private final int jobs;
    private final Path includeDir;
    private final java.util.function.UnaryOperator<String> makeTarget;
    private final Toolchain tools;
    private java.util.function.Function<String, String> ownDirectory = o -> null;

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
        this.makeTarget = makeTarget;
    }

    /** The extra flags every object gets (KCFLAGS). */
    public String flags() {
        return includeDir == null ? KCFLAGS : KCFLAGS + " -I" + includeDir.toAbsolutePath();
    }

    /** Compiles {@code objects} (paths relative to the tree) and copies them under {@code outDir}. */
    public void compile(List<String> objects, Path outDir) {
        if (objects.isEmpty()) return;
        try {
            for (String o : objects) {
                // Always rebuild: a stale object (e.g. the other side's) must never be taken for this one.
                Files.deleteIfExists(tree.resolve(o));
            }
            // Objects that a directory above their own would also compile (see KbuildQuery#shadowedBuilder)
            // are asked of their directory alone; the rest go to one make call.
            Map<String, List<String>> alone = new java.util.TreeMap<>();
            List<String> cmd = new ArrayList<>(List.of("make", "-j" + jobs, "KCFLAGS=" + flags()));
            int together = 0;
            for (String o : objects) {
                String dir = ownDirectory.apply(o);
                if (dir != null) {
                    alone.computeIfAbsent(dir, k -> new ArrayList<>()).add(o.substring(dir.length() + 1));
                } else {
                    cmd.add(makeTarget.apply(o));
                    together++;
                }
            }
            if (together > 0) run(cmd, objects);
            for (var e : alone.entrySet()) {
                List<String> m = new ArrayList<>(List.of("make", "-j" + jobs, "KCFLAGS=" + flags(), "M=" + e.getKey()));
                m.addAll(e.getValue());
                run(m, objects);
            }
            for (String o : objects) {
                Path src = tree.resolve(o);
                if (!Files.isRegularFile(src)) throw new BuildException(BuildException.Kind.TOOL, "make did not produce " + o);
                Path dst = outDir.resolve(o);
                Files.createDirectories(dst.getParent());
                Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                Path cmdFile = cmdFile(tree, o);
                if (Files.exists(cmdFile)) Files.copy(cmdFile, cmdFile(outDir, o), StandardCopyOption.REPLACE_EXISTING);
                Files.deleteIfExists(src);
            }
        } catch (IOException e) {
            throw new BuildException(BuildException.Kind.TOOL, "cannot copy compiled objects: " + e.getMessage());
        }
    }

    private void run(List<String> cmd, List<String> objects) {
        Exec.Result r = Exec.run(tools, tree, cmd);
        if (!r.ok()) {
            throw new BuildException(BuildException.Kind.TOOL, "compiling " + String.join(" ", objects) + " failed:\n" + errors(r));
        }
    }

    /**
     * Objects for which {@code dirOf} names a directory are compiled by that directory's Makefile
     * alone ({@code make M=DIR}): see {@link KbuildQuery#shadowedBuilder}.
     */
    public ObjectCompiler ownDirectory(java.util.function.Function<String, String> dirOf) {
        this.ownDirectory = dirOf;
        return this;
    }

    /** kbuild's record of how {@code object} was built: {@code dir/.name.o.cmd}. */
    public static Path cmdFile(Path root, String object) {
        int slash = object.lastIndexOf('/');
        return root.resolve(object.substring(0, slash + 1) + "." + object.substring(slash + 1) + ".cmd");
    }

    /** The compiler's error lines, or the tail of the output when there are none. */
    private static String errors(Exec.Result r) {
        StringBuilder sb = new StringBuilder();
        for (String l : r.output().split("\n")) {
            if (l.contains("error:") || l.contains("Error ") || l.contains("warning: objtool")) sb.append(l).append('\n');
        }
        return sb.length() > 0 ? sb.toString().strip() : r.tail(20);
    }
}
