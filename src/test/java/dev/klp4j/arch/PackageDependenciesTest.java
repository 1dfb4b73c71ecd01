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

/** The packages follow the data flow: no package cycles, and the ELF layer depends on nothing else. */
class PackageDependenciesTest {
    private static final Path MAIN = Path.of("src/main/java/dev/klp4j");
    private static final Pattern REF = Pattern.compile("\\bdev\\.klp4j\\.([a-z]+)\\.");

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
