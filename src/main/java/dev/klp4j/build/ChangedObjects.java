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
 * The objects a patch changes: each patched .c file's object, and for a patched header every object
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
                if (kbuild.kind(obj) == KbuildQuery.Kind.NOT_BUILT) {
                    throw new BuildException(f.path() + ": not built by this kernel's config (kbuild does not build " + obj + ")");
                }
                objects.add(obj);
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

    /** .c files that mention the header by name, directly or through other headers (a superset of its users). */
    Set<String> mentioning(String header) {
        java.util.Map<String, List<String>> byBase = includeGraph();
        Set<String> cFiles = new TreeSet<>();
        Set<String> seen = new LinkedHashSet<>();
        java.util.ArrayDeque<String> todo = new java.util.ArrayDeque<>(List.of(header));
        while (!todo.isEmpty() && cFiles.size() <= 10 * MAX_HEADER_USERS) {
            String h = todo.poll();
            if (!seen.add(h)) continue;
            for (String f : byBase.getOrDefault(h.substring(h.lastIndexOf('/') + 1), List.of())) {
                if (f.endsWith(".c")) cFiles.add(f);
                else if (f.endsWith(".h") && !seen.contains(f)) todo.add(f);
            }
        }
        return cFiles;
    }

    /** Included header base name -> files with an #include line naming it (one grep over the tree). */
    private java.util.Map<String, List<String>> includeGraph() {
        List<String> cmd = new ArrayList<>(List.of("grep", "-rEo", "--include=*.c", "--include=*.h"));
        for (String d : SKIP_DIRS) cmd.add("--exclude-dir=" + d);
        cmd.add("^\\s*#\\s*include\\s*[<\"][^>\"]+[>\"]");
        cmd.add(".");
        Exec.Result r = Exec.run(tree, cmd);
        if (r.status() > 1) throw new BuildException(BuildException.TOOL, "grep failed: " + r.tail(3));
        java.util.Map<String, List<String>> byBase = new java.util.HashMap<>();
        for (String l : r.output().split("\n")) {
            int colon = l.indexOf(':');
            if (colon < 0) continue;
            String file = l.startsWith("./") ? l.substring(2, colon) : l.substring(0, colon);
            if (file.startsWith("arch/") && !file.startsWith("arch/x86/")) continue;
            String inc = l.substring(colon + 1).replaceAll("^\\s*#\\s*include\\s*[<\"]", "").replaceAll("[>\"]$", "");
            byBase.computeIfAbsent(inc.substring(inc.lastIndexOf('/') + 1), k -> new ArrayList<>()).add(file);
        }
        return byBase;
    }
}
