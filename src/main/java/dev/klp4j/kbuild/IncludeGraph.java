package dev.klp4j.kbuild;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import dev.klp4j.source.IncludePath;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which files of a kernel tree include which: every {@code #include} line of the tree's .c and .h
 * files, read with one grep on first use, resolved as kbuild's -I options would find them on x86.
 * One graph per tree and process ({@link #of}): the tree is only ever read pristine (a patch is
 * applied and taken out again within a step), so klp4j update's dozens of batches, and a test
 * class's builds, read it once rather than once each.
 */
public final class IncludeGraph {
    private static final List<String> SKIP_DIRS = ChangedObjects.SKIP_DIRS;
    /**
     * Keyed by the tree's path and its top Makefile's time and size: a tree unpacked again (another
     * version) is read again. Not by the tree directory's time: every make rewrites
     * .missing-syscalls.d at the top, and an update's batches would read the graph again each.
     */
    private static final java.util.Map<String, IncludeGraph> GRAPHS = new java.util.concurrent.ConcurrentHashMap<>();
    private final Path tree;
    private java.util.Map<String, List<String>> graph;

    private IncludeGraph(Path tree) {
        this.tree = tree;
    }

    public static IncludeGraph of(Path tree) {
        Path t = tree.toAbsolutePath().normalize();
        String key;
        try {
            Path makefile = t.resolve("Makefile");
            key = Files.isRegularFile(makefile) ? t + "@" + Files.getLastModifiedTime(makefile).toMillis() + ":" + Files.size(makefile)
                    : t + "@" + Files.getLastModifiedTime(t).toMillis();
        } catch (java.io.IOException e) {
            return new IncludeGraph(t); // no tree to read: the grep says so
        }
        return GRAPHS.computeIfAbsent(key, k -> new IncludeGraph(t));
    }

    /** .c files that include the header, directly or through other headers (a superset of its users). */
    public Set<String> mentioning(String header) {
        java.util.Map<String, List<String>> includers = includeGraph();
        Set<String> cFiles = new TreeSet<>();
        Set<String> seen = new LinkedHashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(header));
        while (!todo.isEmpty()) {
            String h = todo.poll();
            if (!seen.add(h)) continue;
            List<String> users = new ArrayList<>(includers.getOrDefault(h, List.of()));
            users.addAll(includers.getOrDefault(UNRESOLVED + h.substring(h.lastIndexOf('/') + 1), List.of()));
            for (String f : users) {
                if (f.endsWith(".c")) cFiles.add(f);
                // Follow headers that include it, and .c files that other .c files include.
                if ((f.endsWith(".h") || f.endsWith(".c")) && !seen.contains(f)) todo.add(f);
            }
        }
        return cFiles;
    }

    /** Key prefix for includes that name no file of the tree by the usual search paths (kept by base name). */
    private static final String UNRESOLVED = "?";
    /** Header path (or "?base name" when unresolved) -> files with an #include line for it (one grep over the tree). */
    private synchronized java.util.Map<String, List<String>> includeGraph() {
        if (graph == null) graph = readIncludeGraph();
        return graph;
    }

    private java.util.Map<String, List<String>> readIncludeGraph() {
        List<String> cmd = new ArrayList<>(List.of("grep", "-rEo", "--include=*.c", "--include=*.h"));
        for (String d : SKIP_DIRS) cmd.add("--exclude-dir=" + d);
        cmd.add("--exclude-dir=.tmp_*"); // kbuild's scratch directories vanish while a make runs beside
        cmd.add("^\\s*#\\s*include\\s*[<\"][^>\"]+[>\"]");
        cmd.add(".");
        Toolchain.Result r = Exec.run(tree, cmd);
        if (r.status() > 1) throw new Failure(Failure.Kind.TOOL, "grep failed: " + r.tail(3));
        java.util.Map<String, List<String>> graph = new java.util.HashMap<>();
        java.util.Map<String, Boolean> exists = new java.util.HashMap<>();
        for (String l : r.output().split("\n")) {
            int colon = l.indexOf(':');
            if (colon < 0) continue;
            String file = l.startsWith("./") ? l.substring(2, colon) : l.substring(0, colon);
            if (file.startsWith("arch/") && !file.startsWith("arch/x86/")) continue;
            String directive = l.substring(colon + 1);
            boolean quoted = directive.contains("\"");
            String inc = directive.replaceAll("^\\s*#\\s*include\\s*[<\"]", "").replaceAll("[>\"]$", "");
            String resolved = IncludePath.resolve(file, quoted, inc, p -> exists.computeIfAbsent(p, k -> Files.isRegularFile(tree.resolve(k))));
            String key = resolved != null ? resolved : UNRESOLVED + inc.substring(inc.lastIndexOf('/') + 1);
            graph.computeIfAbsent(key, k -> new ArrayList<>()).add(file);
        }
        return graph;
    }
}
