package dev.klp4j.build;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks kbuild itself which objects a directory builds under this config: it runs
 * {@code scripts/Makefile.build} for the directory with a target that prints the lists kbuild
 * computed (real-obj-y, real-obj-m, lib-y, subdir-ym). Nothing is parsed from Makefiles by hand.
 */
public final class KbuildQuery {
    /** The top-level directories the kernel's own Makefile descends into on x86. */
    private static final Set<String> TOP = Set.of("init", "usr", "arch/x86", "kernel", "certs", "mm", "fs", "ipc",
            "security", "crypto", "block", "io_uring", "drivers", "sound", "net", "virt", "lib");

    /** What kbuild builds in one directory. */
    public record DirInfo(Set<String> builtin, Set<String> modular, Set<String> subdirs) {}

    private final Path tree;
    private final Map<String, DirInfo> dirs = new ConcurrentHashMap<>();

    public KbuildQuery(Path tree) {
        this.tree = tree;
    }

    public DirInfo dir(String dir) {
        return dirs.computeIfAbsent(dir, this::query);
    }

    private DirInfo query(String dir) {
        Exec.Result r = Exec.run(tree, List.of("make", "-s", "-f", "scripts/Makefile.build", "obj=" + dir, "srctree=.", "objtree=.",
                "need-modorder=1", "need-builtin=1",
                "--eval=klp4j-print: ; @printf '%s\\n' 'y $(real-obj-y) $(lib-y)' 'm $(real-obj-m)' 'sub $(subdir-ym)'",
                "klp4j-print"));
        Set<String> y = new HashSet<>(), m = new HashSet<>(), sub = new HashSet<>();
        if (!r.ok()) return new DirInfo(y, m, sub); // no Makefile here: nothing is built
        for (String line : r.output().split("\n")) {
            String[] f = line.strip().split("\\s+");
            Set<String> into = switch (f[0]) { case "y" -> y; case "m" -> m; case "sub" -> sub; default -> null; };
            if (into == null) continue;
            for (String w : Arrays.asList(f).subList(1, f.length)) if (!w.endsWith("modules.order")) into.add(w);
        }
        return new DirInfo(y, m, sub);
    }

    /** How an object is built under this config. */
    public enum Kind { BUILTIN, MODULE, NOT_BUILT }

    /** Whether {@code object} (e.g. fs/proc/cmdline.o) is built, into vmlinux or into a module. */
    public Kind kind(String object) {
        int slash = object.lastIndexOf('/');
        if (slash < 0) return Kind.NOT_BUILT;
        String dir = object.substring(0, slash);
        if (!reachable(dir)) return Kind.NOT_BUILT;
        DirInfo d = dir(dir);
        if (d.builtin().contains(object)) return Kind.BUILTIN;
        if (d.modular().contains(object)) return Kind.MODULE;
        return Kind.NOT_BUILT;
    }

    /** True if kbuild descends into {@code dir} under this config. */
    public boolean reachable(String dir) {
        if (TOP.contains(dir)) return true;
        int slash = dir.lastIndexOf('/');
        if (slash < 0) return false;
        String parent = dir.substring(0, slash);
        return reachable(parent) && dir(parent).subdirs().contains(dir);
    }
}
