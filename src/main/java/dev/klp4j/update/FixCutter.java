package dev.klp4j.update;

import dev.klp4j.base.Failure;
import dev.klp4j.source.TreeChanges;
import dev.klp4j.source.ValueChanges;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cuts an update's changed files into fixes: one per changed C or assembly file (to be decided by a
 * build), one per changed header no such fix needs (decided by a build of its users), and a decision
 * from the path alone for what no build reads (documentation, tools, other architectures) or what
 * changes the build itself (Kconfig, Makefiles).
 */
final class FixCutter {
    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*#\\s*include\\s*([<\"])([^>\"]+)[>\"]");
    private static final Pattern VERSION_LINE = Pattern.compile("^[-+](VERSION|PATCHLEVEL|SUBLEVEL|EXTRAVERSION|NAME) = .*$");
    /** Top-level directories nothing of which runs in an x86_64 kernel. */
    private static final Set<String> NOT_KERNEL = Set.of("Documentation", "tools", "samples", "scripts", "LICENSES", "usr");

    /** The fixes to build, and those the path decides. */
    record Cut(List<Fix> sources, List<String> headers, List<FixDecision> decided) {}

    private FixCutter() {}

    static Cut cut(UpdateCut cut) {
        return cut(cut, symbol -> true);
    }

    /**
     * The fixes of {@code cut}, for a kernel whose config sets the symbols {@code configSets}
     * accepts: a source file the update adds or removes is not-built when its Makefile gates it
     * on a symbol this config does not set.
     */
    static Cut cut(UpdateCut cut, Predicate<String> configSets) {
        TreeChanges c = cut.changes();
        Map<String, Set<String>> valueHeaders = valueChanges(cut);
        List<Fix> sources = new ArrayList<>();
        List<String> headers = new ArrayList<>();
        List<FixDecision> decided = new ArrayList<>();
        Set<String> all = new LinkedHashSet<>(c.changed());
        all.addAll(c.added());
        all.addAll(c.removed());
        for (String f : all.stream().sorted().toList()) {
            boolean added = c.added().contains(f), removed = c.removed().contains(f);
            String notBuilt = notBuilt(f);
            if (notBuilt != null) {
                decided.add(decision(f, FixStatus.NOT_BUILT, notBuilt));
            } else if (isBuildRule(f)) {
                if (f.equals("Makefile") && onlyVersionLines(cut.patch(List.of(f)))) {
                    decided.add(decision(f, FixStatus.NO_CHANGE, "only the kernel's version number: the running kernel keeps its own"));
                } else {
                    decided.add(decision(f, FixStatus.NEEDS_REBOOT, "changes the kernel's configuration or build rules (Kconfig, Makefile):"
                            + " what that changes is only in a newly built kernel"));
                }
            } else if (f.endsWith(".h")) {
                if (!removed) headers.add(f); // a removed header is seen through the files that stopped including it
            } else if (f.endsWith(".c") || f.endsWith(".S")) {
                if (!added && !removed) {
                    sources.add(withValueHeaders(cut, f, valueHeaders));
                    continue;
                }
                String makefile = f.substring(0, f.lastIndexOf('/') + 1) + "Makefile";
                String unbuilt = MakefileGate.unbuilt(added ? cut.newer(makefile) : cut.older(makefile), f, configSets);
                if (unbuilt != null) decided.add(decision(f, FixStatus.NOT_BUILT, (added ? "a new source file that " : "removes a source file that ")
                        + "this kernel would not build: " + unbuilt));
                else if (added) decided.add(decision(f, FixStatus.NEEDS_REBOOT, "a new source file: an object the running kernel does not have"));
                else decided.add(decision(f, FixStatus.NEEDS_REBOOT, "removes a source file from the kernel"));
            } else {
                decided.add(decision(f, FixStatus.NEEDS_REBOOT, "not C source (" + f.substring(f.lastIndexOf('/') + 1)
                        + "): klp4j live patches C functions only"));
            }
        }
        return new Cut(sources, headers, decided);
    }

    /** Each name whose value a changed header (of a file an x86 kernel may build) edits, and those headers. */
    private static Map<String, Set<String>> valueChanges(UpdateCut cut) {
        Map<String, Set<String>> out = new TreeMap<>();
        for (String h : cut.changes().changed()) {
            if (!h.endsWith(".h") || notBuilt(h) != null) continue;
            try {
                Set<String> names = ValueChanges.of(Files.readString(cut.older(h), StandardCharsets.ISO_8859_1),
                        Files.readString(cut.newer(h), StandardCharsets.ISO_8859_1));
                for (String n : names) out.computeIfAbsent(n, k -> new TreeSet<>()).add(h);
            } catch (IOException e) {
                throw new Failure(Failure.Kind.TOOL, "cannot read " + h + " of the update: " + e.getMessage());
            }
        }
        return out;
    }

    /**
     * The fix of C file {@code f}, with the headers whose value changes its own changed lines name:
     * written for the new value (a literal replaced by the macro whose value the update changes),
     * it would compile to the running kernel's value alone, and say nothing changed, or be
     * live patched without what it fixes.
     */
    private static Fix withValueHeaders(UpdateCut cut, String f, Map<String, Set<String>> valueHeaders) {
        String patch = cut.patch(List.of(f));
        Set<String> headers = new TreeSet<>();
        if (!valueHeaders.isEmpty()) {
            for (String line : patch.lines().toList()) {
                if (line.startsWith("+++") || line.startsWith("---") || !(line.startsWith("+") || line.startsWith("-"))) continue;
                Matcher m = IDENTIFIER.matcher(line.substring(1));
                while (m.find()) headers.addAll(valueHeaders.getOrDefault(m.group(), Set.of()));
            }
        }
        if (headers.isEmpty()) return new Fix(f, List.of(f), patch);
        List<String> files = new ArrayList<>(headers);
        files.add(f);
        return new Fix(f, files, cut.patch(files));
    }

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_]\\w*");

    static FixDecision decision(String f, FixStatus s, String reason) {
        return new FixDecision(f, List.of(f), List.of(), s, reason, List.of(), List.of());
    }

    /** Why nothing of {@code f} is in an x86_64 kernel, or null when it may be. */
    static String notBuilt(String f) {
        int slash = f.indexOf('/');
        String top = slash < 0 ? "" : f.substring(0, slash);
        if (slash < 0 && !isBuildRule(f)) return "a file at the top of the tree (documentation, metadata): not built";
        if (NOT_KERNEL.contains(top)) return top + "/: documentation or build tools, nothing of which runs in the kernel";
        if (top.equals("arch") && !f.startsWith("arch/x86/")) return "another architecture than x86";
        return null;
    }

    static boolean isBuildRule(String f) {
        String name = f.substring(f.lastIndexOf('/') + 1);
        return name.equals("Makefile") || name.equals("Kbuild") || name.startsWith("Kconfig");
    }

    private static boolean onlyVersionLines(String patch) {
        for (String l : patch.lines().toList()) {
            if (l.startsWith("+++") || l.startsWith("---")) continue;
            if ((l.startsWith("+") || l.startsWith("-")) && !VERSION_LINE.matcher(l).matches()) return false;
        }
        return true;
    }

    /**
     * The changed or added headers {@code file} includes directly ("x.h" beside it, or {@code <x/y.h>}
     * from the kernel's include directories), and the added headers those include in turn: what a
     * fix that does not compile alone most likely needs.
     */
    static List<String> headersFor(UpdateCut cut, String file, List<String> changedHeaders) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        for (String h : includes(cut, file, changedHeaders)) {
            out.add(h);
            for (String n : includes(cut, h, changedHeaders)) if (cut.older(n) == null) out.add(n);
        }
        return new ArrayList<>(out);
    }

    private static final Pattern MISSING = Pattern.compile("\\): (\\w+): referenced by the patch but neither exported nor found");

    /** The symbol a "needs a symbol the running kernel does not have" reason names, or null. */
    static String missingSymbol(String reason) {
        if (reason == null) return null;
        Matcher m = MISSING.matcher(reason);
        return m.find() ? m.group(1) : null;
    }

    private static final Pattern OLD_CALLERS = Pattern.compile(Pattern.quote(dev.klp4j.review.Reviewer.OLD_CALLERS) + "([^;]+)");

    /**
     * The files a "global function the patch removes ... keeps running the old one" reason names
     * (the review's finding, one per removed function): empty when there is none, or when one
     * names a caller that is not a file (an object of the same patch).
     */
    static List<String> oldCallers(String reason) {
        if (reason == null) return List.of();
        Set<String> out = new LinkedHashSet<>();
        Matcher m = OLD_CALLERS.matcher(reason);
        while (m.find()) {
            for (String c : m.group(1).split(", ")) {
                String f = c.strip();
                if (!f.matches("[\\w./+-]+\\.[cS]")) return List.of();
                out.add(f);
            }
        }
        return new ArrayList<>(out);
    }

    /**
     * The first of {@code files} whose newer side defines {@code symbol} (a line outside any block
     * that names it before '(' and is no declaration) and whose older side does not, or defines it
     * only static: the change that adds it, or that makes it global for another file to call
     * (6.12.118's sctp_control_set_owner_w and ksmbd_vfs_xattr_len: static, inlined, so the
     * running kernel has no symbol of them).
     */
    static String definer(UpdateCut cut, String symbol, List<String> files) throws IOException {
        Pattern def = Pattern.compile("(?m)^([A-Za-z_][^;{}=]*)\\b" + Pattern.quote(symbol) + "\\s*\\([^;]*$");
        for (String f : files) {
            Path b = cut.newer(f), a = cut.older(f);
            if (b == null || !definesGlobal(def, Files.readString(b, java.nio.charset.StandardCharsets.ISO_8859_1))) continue;
            if (a != null && definesGlobal(def, Files.readString(a, java.nio.charset.StandardCharsets.ISO_8859_1))) continue;
            return f;
        }
        return null;
    }

    private static boolean definesGlobal(Pattern def, String text) {
        Matcher m = def.matcher(text);
        while (m.find()) if (!m.group(1).matches("(?s).*\\bstatic\\b.*")) return true;
        return false;
    }

    private static List<String> includes(UpdateCut cut, String file, List<String> changedHeaders) throws IOException {
        Path p = cut.newer(file);
        if (p == null) return List.of();
        List<String> out = new ArrayList<>();
        Matcher m = INCLUDE.matcher(Files.readString(p, java.nio.charset.StandardCharsets.ISO_8859_1));
        String dir = file.contains("/") ? file.substring(0, file.lastIndexOf('/')) : "";
        while (m.find()) {
            String inc = m.group(2);
            List<String> candidates = m.group(1).equals("\"") ? List.of(normalize(dir.isEmpty() ? inc : dir + "/" + inc))
                    : List.of("include/" + inc, "include/uapi/" + inc, "arch/x86/include/" + inc, "arch/x86/include/uapi/" + inc);
            for (String c : candidates) if (changedHeaders.contains(c) && !out.contains(c)) out.add(c);
        }
        return out;
    }

    private static String normalize(String path) {
        return Path.of(path).normalize().toString().replace('\\', '/');
    }
}
