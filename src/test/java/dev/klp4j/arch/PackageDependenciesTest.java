package dev.klp4j.arch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages follow the data flow, in one pinned order: each package may use only the packages
 * listed for it (all of them earlier in {@link #ALLOWED}), so there are no cycles and a new arrow is
 * a decision made here, not an accident.
 */
class PackageDependenciesTest {
    private static final Path MAIN = Path.of("src/main/java/dev/klp4j");
    private static final Pattern REF = Pattern.compile("\\bdev\\.klp4j\\.([a-z]+)\\.");

    /** Every package, lowest first, with the packages it may use. */
    static final Map<String, Set<String>> ALLOWED = new java.util.LinkedHashMap<>();
    static {
        ALLOWED.put("elf", Set.of());                                   // ELF64 model, reader, writer
        ALLOWED.put("base", Set.of());                                  // processes, file trees, the one Failure
        ALLOWED.put("diff", Set.of("elf"));                              // object pair -> patch object
        ALLOWED.put("kernel", Set.of("base", "elf"));                    // a kernel's files and modules
        ALLOWED.put("source", Set.of("base"));                           // patch and C text
        ALLOWED.put("debian", Set.of("base", "kernel"));                 // Debian's archive, suites, build roots
        ALLOWED.put("kbuild", Set.of("base", "elf", "diff", "kernel", "source")); // prepared trees, compiles, owners
        ALLOWED.put("klp", Set.of("base", "elf", "diff", "kernel", "kbuild")); // symbols, relocations, the module
        ALLOWED.put("review", Set.of("base", "elf", "source"));          // safety rules
        ALLOWED.put("pipeline", Set.of("base", "elf", "diff", "kernel", "source", "debian", "kbuild", "klp", "review")); // the stages
        ALLOWED.put("runtime", Set.of("base", "kernel"));                // livepatch control through sysfs
        ALLOWED.put("vm", Set.of("base", "kernel", "kbuild", "debian"));  // QEMU proofs
        ALLOWED.put("fleet", Set.of("base", "kernel", "debian", "runtime")); // packages, repositories, the host's apply
        ALLOWED.put("update", Set.of("base", "kernel", "source", "debian", "kbuild", "review", "pipeline", "vm")); // klp4j update
        ALLOWED.put("cli", Set.of("base", "elf", "diff", "kernel", "source", "debian", "kbuild", "klp", "review",
                "pipeline", "runtime", "vm", "update", "fleet"));
    }

    @Test
    void everyPackageUsesOnlyWhatItsPlaceAllows() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        assertThat(ALLOWED.keySet()).as("packages with a place in the order").containsExactlyInAnyOrderElementsOf(deps.keySet());
        deps.forEach((pkg, used) -> assertThat(ALLOWED.get(pkg)).as("package %s may use", pkg).containsAll(used));
    }

    @Test
    void theOrderPointsOneWay() {
        List<String> order = new ArrayList<>(ALLOWED.keySet());
        ALLOWED.forEach((pkg, allowed) -> allowed.forEach(dep ->
                assertThat(order.indexOf(dep)).as("%s -> %s", pkg, dep).isBetween(0, order.indexOf(pkg) - 1)));
    }

    static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : (Iterable<Path>) files.filter(p -> p.toString().endsWith(".java"))::iterator) {
                String pkg = MAIN.relativize(f).getName(0).toString();
                Set<String> out = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
                Matcher m = REF.matcher(Files.readString(f));
                while (m.find()) if (!m.group(1).equals(pkg)) out.add(m.group(1));
            }
        }
        return deps;
    }

    @Test
    void elfDependsOnNoOtherPackage() throws IOException {
        assertThat(dependencies().get("elf")).isEmpty();
    }

    @Test
    void onlyTheCliDependsOnTheCli() throws IOException {
        dependencies().forEach((pkg, deps) -> {
            if (!pkg.equals("cli")) assertThat(deps).as("package %s", pkg).doesNotContain("cli");
        });
    }

    @Test
    void noCycles() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        for (String start : deps.keySet()) {
            List<String> path = new ArrayList<>();
            assertThat(cycleFrom(start, start, deps, path, new TreeSet<>())).as("cycle %s", path).isFalse();
        }
    }

    private static boolean cycleFrom(String start, String at, Map<String, Set<String>> deps, List<String> path, Set<String> seen) {
        path.add(at);
        for (String next : deps.getOrDefault(at, Set.of())) {
            if (next.equals(start)) {
                path.add(next);
                return true;
            }
            if (seen.add(next) && cycleFrom(start, next, deps, path, seen)) return true;
        }
        path.remove(path.size() - 1);
        return false;
    }
}
