package dev.klp4j.vm;

import dev.klp4j.base.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A kernel's {@code modules.dep}: which module files a module needs, in the order to load them. */
public final class ModulesDep {
    private final Map<String, List<String>> deps;   // relative path -> relative paths it needs
    private final Map<String, String> byName;       // module name (foo_bar) -> relative path

    private ModulesDep(Map<String, List<String>> deps) {
        this.deps = deps;
        this.byName = new LinkedHashMap<>();
        for (String path : deps.keySet()) byName.put(moduleName(path), path);
    }

    public static ModulesDep read(Path modulesDir) {
        Path file = modulesDir.resolve("modules.dep");
        try {
            return parse(Files.readString(file));
        } catch (IOException e) {
            throw new Failure(file + ": cannot read (" + e.getMessage() + "); run depmod for this release");
        }
    }

    public static ModulesDep parse(String text) {
        Map<String, List<String>> deps = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int colon = line.indexOf(':');
            if (colon <= 0) continue;
            String rest = line.substring(colon + 1).trim();
            deps.put(line.substring(0, colon).trim(), rest.isEmpty() ? List.of() : List.of(rest.split("\\s+")));
        }
        return new ModulesDep(deps);
    }

    /** The name of the module in a file: basename without .ko(.xz|.zst|.gz), '-' as '_'. */
    public static String moduleName(String path) {
        String base = path.substring(path.lastIndexOf('/') + 1);
        int ko = base.indexOf(".ko");
        if (ko > 0) base = base.substring(0, ko);
        return base.replace('-', '_');
    }

    public boolean contains(String name) {
        return byName.containsKey(name.replace('-', '_'));
    }

    /**
     * The files of the named modules and everything they need, each after its dependencies
     * (the order insmod must follow). Throws for a module the kernel does not have.
     */
    public List<String> closure(List<String> names) {
        Set<String> done = new LinkedHashSet<>();
        for (String n : names) {
            String path = byName.get(n.replace('-', '_'));
            if (path == null) throw new Failure("module '" + n + "' is not in modules.dep (built in, or not a module of this kernel)");
            visit(path, done, new HashSet<>());
        }
        return new ArrayList<>(done);
    }

    private void visit(String path, Set<String> done, Set<String> onStack) {
        if (done.contains(path) || !onStack.add(path)) return;
        for (String d : deps.getOrDefault(path, List.of())) visit(d, done, onStack);
        done.add(path);
    }
}
