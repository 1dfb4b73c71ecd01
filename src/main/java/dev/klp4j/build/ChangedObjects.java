package dev.klp4j.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The objects a patch changes: each patched .c file's object (or, for a .c file that other .c files
 * include, theirs), and for a patched header every object
 * of this config whose recorded dependencies include it. Header users are found in two steps:
 * {@code grep} proposes the files that mention the header (following headers that include it), and
 * kbuild's own dependency record ({@code .FILE.i.cmd}, written when kbuild preprocesses the file
 * with the kernel's flags) decides. Only objects kbuild builds under this config are kept.
 */
public final class ChangedObjects {
    /** More users than this and the header is refused: patch the functions' .c files instead. */
    static final int MAX_HEADER_USERS = 64;
    private static final List<String> SKIP_DIRS = List.of("Documentation", "tools", "scripts", "samples", "usr", "LICENSES");

    private final Path tree;
    private final KbuildQuery kbuild;
    private final int jobs;

    public ChangedObjects(Path tree, KbuildQuery kbuild, int jobs) {
        this.tree = tree;
        this.kbuild = kbuild;
        this.jobs = jobs;
    }

    /** Must run on the tree before the patch is applied (the header's users are those of the original source). */
    public List<String> find(UnifiedDiff diff) {
        Set<String> objects = new TreeSet<>();
        for (UnifiedDiff.FilePatch f : diff.files()) {
            if (f.created() || f.deleted()) {
                throw new BuildException(f.path() + ": the patch " + (f.created() ? "adds" : "deletes")
                        + " a file; a live patch can only change existing C sources and headers");
            }
            if (f.isC()) {
                String obj = f.path().substring(0, f.path().length() - 2) + ".o";
                if (kbuild.kind(obj) != KbuildQuery.Kind.NOT_BUILT) {
                    objects.add(obj);
                    continue;
                }
                // A .c file that other .c files #include (kernel/sched/build_utility.c takes in
                // loadavg.c, wait.c, ...) has no object of its own: its includers are rebuilt.
                List<String> includers = headerUsers(f.path());
                if (includers.isEmpty()) {
                    throw new BuildException(f.path() + ": not built by this kernel's config (kbuild does not build " + obj
                            + ", and no object of this config includes the file)");
                }
                objects.addAll(includers);
            } else if (f.isHeader()) {
                List<String> users = headerUsers(f.path());
                if (users.isEmpty()) {
                    throw new BuildException(f.path() + ": no object of this kernel's config includes this header: nothing to patch");
                }
                objects.addAll(users);
            } else {
                throw new BuildException(f.path() + ": only C sources (.c) and headers (.h) can be live patched");
            }
        }
        return new ArrayList<>(objects);
    }

    /** The objects of this config that include {@code header}, by kbuild's dependency records. */
    public List<String> headerUsers(String header) {
        Set<String> candidates = new TreeSet<>();
        for (String c : mentioning(header)) {
            String obj = c.substring(0, c.length() - 2) + ".o";
            if (kbuild.kind(obj) != KbuildQuery.Kind.NOT_BUILT) candidates.add(c);
        }
        if (candidates.size() > MAX_HEADER_USERS) {
            throw new BuildException(header + ": included by " + candidates.size() + " objects of this config (more than "
                    + MAX_HEADER_USERS + "); patch the functions in their .c files instead");
        }
        if (candidates.isEmpty()) return List.of();
        List<String> targets = new ArrayList<>();
        for (String c : candidates) targets.add(c.substring(0, c.length() - 2) + ".i");
        List<String> cmd = new ArrayList<>(List.of("make", "-j" + jobs));
        cmd.addAll(targets);
        Exec.check(tree, cmd, "preprocessing the header's users");
        List<String> users = new ArrayList<>();
        for (String t : targets) {
            if (dependsOn(t, header)) users.add(t.substring(0, t.length() - 2) + ".o");
            try { Files.deleteIfExists(tree.resolve(t)); } catch (IOException ignored) { /* a stray .i is harmless */ }
        }
        return users;
    }

    /** True if kbuild's dependency list for {@code target} names {@code header}. */
    boolean dependsOn(String target, String header) {
        int slash = target.lastIndexOf('/');
        Path cmd = tree.resolve(target.substring(0, slash + 1) + "." + target.substring(slash + 1) + ".cmd");
        try {
            for (String line : Files.readAllLines(cmd, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String l = line.strip();
                if (l.endsWith("\\")) l = l.substring(0, l.length() - 1).strip();
                if (l.equals(header) || l.equals("./" + header) || l.endsWith("/" + header) && l.startsWith("$(srctree)")) return true;
            }
            return false;
        } catch (IOException e) {
            throw new BuildException("kbuild wrote no dependency record for " + target + " (" + cmd + ")");
        }
    }

    /** .c files that include the header, directly or through other headers (a superset of its users). */
    Set<String> mentioning(String header) {
        java.util.Map<String, List<String>> includers = includeGraph();
        Set<String> cFiles = new TreeSet<>();
        Set<String> seen = new LinkedHashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(header));
        while (!todo.isEmpty() && cFiles.size() <= 10 * MAX_HEADER_USERS) {
            String h = todo.poll();
            if (!seen.add(h)) continue;
            List<String> users = new ArrayList<>(includers.getOrDefault(h, List.of()));
            users.addAll(includers.getOrDefault(UNRESOLVED + h.substring(h.lastIndexOf('/') + 1), List.of()));
            for (String f : users) {
                if (f.endsWith(".c")) cFiles.add(f);
                else if (f.endsWith(".h") && !seen.contains(f)) todo.add(f);
            }
        }
        return cFiles;
    }

    /** Key prefix for includes that name no file of the tree by the usual search paths (kept by base name). */
    private static final String UNRESOLVED = "?";
    /** Where kbuild's -I options send an #include <...> on x86. */
    private static final List<String> SEARCH = List.of("include/", "arch/x86/include/", "arch/x86/include/generated/",
            "include/uapi/", "arch/x86/include/uapi/", "arch/x86/include/generated/uapi/", "include/generated/uapi/");

    /** Header path (or "?base name" when unresolved) -> files with an #include line for it (one grep over the tree). */
    private java.util.Map<String, List<String>> includeGraph() {
        List<String> cmd = new ArrayList<>(List.of("grep", "-rEo", "--include=*.c", "--include=*.h"));
        for (String d : SKIP_DIRS) cmd.add("--exclude-dir=" + d);
        cmd.add("^\\s*#\\s*include\\s*[<\"][^>\"]+[>\"]");
        cmd.add(".");
        Exec.Result r = Exec.run(tree, cmd);
        if (r.status() > 1) throw new BuildException(BuildException.TOOL, "grep failed: " + r.tail(3));
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
            String resolved = null;
            if (quoted) {
                String dir = file.contains("/") ? file.substring(0, file.lastIndexOf('/') + 1) : "";
                String p = java.nio.file.Path.of(dir + inc).normalize().toString();
                if (exists.computeIfAbsent(p, k -> Files.isRegularFile(tree.resolve(k)))) resolved = p;
            }
            for (int i = 0; resolved == null && i < SEARCH.size(); i++) {
                String p = SEARCH.get(i) + inc;
                if (exists.computeIfAbsent(p, k -> Files.isRegularFile(tree.resolve(k)))) resolved = p;
            }
            String key = resolved != null ? resolved : UNRESOLVED + inc.substring(inc.lastIndexOf('/') + 1);
            graph.computeIfAbsent(key, k -> new ArrayList<>()).add(file);
        }
        return graph;
    }
}
