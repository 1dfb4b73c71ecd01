package dev.klp4j.kbuild;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which Makefiles of the tree name an object by a path ({@code $(KVM)/kvm_main.o},
 * {@code ../pm/amdgpu_dpm.o}), and which Makefiles include a Makefile fragment
 * ({@code include $(srctree)/virt/kvm/Makefile.kvm}): the candidates to ask kbuild about an object
 * whose own directory and neighbours do not build it. Read once per tree, on first need.
 */
public final class MakefileIndex {
    private static final List<String> SKIP = List.of("Documentation", "tools", "scripts", "samples", "LICENSES", ".git");
    private static final Pattern OBJECT_PATH = Pattern.compile("([A-Za-z0-9_$(){}./+-]*/([A-Za-z0-9_+-]+\\.o))\\b");
    private static final Pattern INCLUDE = Pattern.compile("(?m)^\\s*-?include\\s+(\\S+)");

    /** Object base name ("kvm_main.o") -> Makefiles naming it by a path, with the path as written. */
    private final Map<String, Map<String, Set<String>>> byObject;
    /** Fragment file name ("Makefile.kvm") -> Makefiles that include it. */
    private final Map<String, Set<String>> includers;

    private MakefileIndex(Map<String, Map<String, Set<String>>> byObject, Map<String, Set<String>> includers) {
        this.byObject = byObject;
        this.includers = includers;
    }

    static MakefileIndex of(Path tree) {
        Map<String, Map<String, Set<String>>> byObject = new HashMap<>();
        Map<String, Set<String>> includers = new HashMap<>();
        try {
            Files.walkFileTree(tree, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                    // kbuild's own scratch directories (.tmp_1234) come and go while a build runs.
                    return !dir.equals(tree) && dir.getFileName().toString().startsWith(".") ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path p, BasicFileAttributes attrs) throws IOException {
                    String name = p.getFileName().toString();
                    if (!(name.startsWith("Makefile") || name.startsWith("Kbuild")) || !attrs.isRegularFile()) return FileVisitResult.CONTINUE;
                    String rel = tree.relativize(p).toString();
                    if (SKIP.stream().anyMatch(d -> rel.startsWith(d + "/")) || rel.startsWith("arch/") && !rel.startsWith("arch/x86/")) {
                        return FileVisitResult.CONTINUE;
                    }
                    String text = Files.readString(p, StandardCharsets.ISO_8859_1);
                    Matcher m = OBJECT_PATH.matcher(text);
                    while (m.find()) byObject.computeIfAbsent(m.group(2), k -> new HashMap<>()).computeIfAbsent(rel, k -> new TreeSet<>()).add(m.group(1));
                    Matcher inc = INCLUDE.matcher(text);
                    while (inc.find()) {
                        String f = inc.group(1);
                        includers.computeIfAbsent(f.substring(f.lastIndexOf('/') + 1), k -> new TreeSet<>()).add(rel);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path p, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE; // removed while we walked
                    throw e;
                }
            });
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot read the Makefiles of " + tree + ": " + e.getMessage());
        }
        return new MakefileIndex(byObject, includers);
    }

    /**
     * The directories whose Makefile (or a fragment it includes) names {@code object} by a path: a
     * path without variables only when it leads to the object, one with variables always.
     */
    Set<String> directoriesNaming(String object) {
        String base = object.substring(object.lastIndexOf('/') + 1);
        Set<String> out = new TreeSet<>();
        for (var e : byObject.getOrDefault(base, Map.of()).entrySet()) {
            String makefile = e.getKey();
            String dir = makefile.contains("/") ? makefile.substring(0, makefile.lastIndexOf('/')) : "";
            boolean names = false;
            for (String written : e.getValue()) {
                names |= written.contains("$") || Path.of(dir, written).normalize().toString().equals(object);
            }
            if (!names) continue;
            String file = makefile.substring(makefile.lastIndexOf('/') + 1);
            if (file.equals("Makefile") || file.equals("Kbuild")) {
                out.add(dir);
            } else {
                for (String inc : includers.getOrDefault(file, Set.of())) out.add(inc.contains("/") ? inc.substring(0, inc.lastIndexOf('/')) : "");
            }
        }
        return out;
    }
}
