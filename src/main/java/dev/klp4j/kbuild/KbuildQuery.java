package dev.klp4j.kbuild;

import dev.klp4j.base.Exec;

import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Asks kbuild itself which objects a directory builds under this config: it runs
 * {@code scripts/Makefile.build} for the directory with a target that prints the lists kbuild
 * computed (real-obj-y, real-obj-m, lib-y, subdir-ym). Nothing is parsed from Makefiles by hand.
 *
 * <p>An object is not always built by the Makefile of its own directory: composite modules list
 * parts in subdirectories ({@code kvm-y += mmu/mmu.o}) or beside them ({@code amdgpu-y += ../pm/...}),
 * and a Makefile may enter a directory several levels down ({@code obj-y += amd/amdgpu/}) without
 * passing through the levels between. So the directory that builds an object is looked for among
 * the kbuild directories around it: its own, each ancestor, and then the directories those enter.
 */
public final class KbuildQuery {
    /** The top-level directories the kernel's own Makefile descends into on x86. */
    private static final Set<String> TOP = Set.of("init", "usr", "arch/x86", "kernel", "certs", "mm", "fs", "ipc",
            "security", "crypto", "block", "io_uring", "drivers", "sound", "net", "virt", "lib");

    /** What kbuild builds in one directory (object paths relative to the tree, normalized). */
    public record DirInfo(Set<String> builtin, Set<String> modular, Set<String> subdirs) {}

    /** How an object is built under this config. */
    public enum Kind { BUILTIN, MODULE, NOT_BUILT }

    /** The kbuild directory whose Makefile builds an object, and how. */
    public record Builder(String dir, Kind kind) {
        static final Builder NONE = new Builder(null, Kind.NOT_BUILT);
    }

    private final Path tree;
    private final Toolchain tools;
    private final Map<String, DirInfo> dirs = new ConcurrentHashMap<>();
    private final Map<String, Builder> builders = new ConcurrentHashMap<>();
    private final Map<String, Boolean> reachable = new ConcurrentHashMap<>();

    public KbuildQuery(Path tree) {
        this(tree, Toolchain.HOST);
    }

    /** Asking make through {@code tools} (a build root for another suite's kernel). */
    public KbuildQuery(Path tree, Toolchain tools) {
        this.tree = tree;
        this.tools = tools;
    }

    /** Where this tree's make and compiler run. */
    public Toolchain tools() {
        return tools;
    }

    public DirInfo dir(String dir) {
        return dirs.computeIfAbsent(dir, this::query);
    }

    private DirInfo query(String dir) {
        Toolchain.Result r = Exec.run(tools, tree, List.of("make", "-s", "-f", "scripts/Makefile.build", "obj=" + dir, "srctree=.", "objtree=.",
                "need-modorder=1", "need-builtin=1",
                "--eval=klp4j-print: ; @printf '%s\\n' 'y $(real-obj-y) $(lib-y)' 'm $(real-obj-m)' 'sub $(subdir-ym)'",
                "klp4j-print"));
        Set<String> y = new HashSet<>(), m = new HashSet<>(), sub = new HashSet<>();
        if (!r.ok()) return new DirInfo(y, m, sub); // no Makefile here: nothing is built
        for (String line : r.output().split("\n")) {
            String[] f = line.strip().split("\\s+");
            Set<String> into = switch (f[0]) { case "y" -> y; case "m" -> m; case "sub" -> sub; default -> null; };
            if (into == null) continue;
            // Composite parts may be named through ".." (amdgpu-y += ../pm/x.o): keep the real path.
            for (String w : Arrays.asList(f).subList(1, f.length)) if (!w.endsWith("modules.order")) into.add(normalize(w));
        }
        return new DirInfo(y, m, sub);
    }

    private static String normalize(String p) {
        return Path.of(p).normalize().toString();
    }

    /** Whether {@code object} (e.g. fs/proc/cmdline.o) is built, into vmlinux or into a module. */
    public Kind kind(String object) {
        return builder(object).kind();
    }

    /** The directory whose Makefile builds {@code object}, or {@link Builder#NONE}'s null dir when none does. */
    public Builder builder(String object) {
        return builders.computeIfAbsent(normalize(object), this::findBuilder);
    }

    /**
     * The name to give make for {@code object} (.o, .i, ...) so that kbuild compiles it in the
     * directory that builds it, with that Makefile's flags. kbuild hands a single target down the
     * directories whose path prefixes it and builds it in the last one: amdgpu's
     * {@code amdgpu-y += ../amdkfd/kfd_chardev.o} compiled as {@code drivers/gpu/drm/amd/amdkfd/kfd_chardev.o}
     * stops in drivers/gpu/drm, without amdgpu's include paths; named
     * {@code drivers/gpu/drm/amd/amdgpu/../amdkfd/kfd_chardev.o} it reaches amdgpu's Makefile.
     */
    public String makeTarget(String target) {
        int dot = target.lastIndexOf('.');
        String object = normalize(target.substring(0, dot) + ".o");
        String dir = builder(object).dir();
        if (dir == null || object.startsWith(dir + "/")) return normalize(target);
        return dir + "/" + Path.of(dir).relativize(Path.of(normalize(target)));
    }

    /**
     * The directory that builds {@code object} when make, asked for it as a single target, would
     * also compile it in a directory above it with the wrong Makefile, or null. kbuild hands a
     * single target to every subdirectory whose path prefixes it, and a directory with none builds
     * it itself: drivers/Makefile enters both {@code char/ipmi/} and {@code char/}, so
     * {@code drivers/char/ipmi/ipmi_msghandler.o} is compiled twice at once, once by drivers/char
     * as built-in code (no {@code -DMODULE}), and the last one wins. Such an object must be asked of
     * its own directory alone ({@code make M=DIR}, which compiles it with the same command).
     * The same holds downwards: drivers/gpu/drm builds {@code bridge/panel.o} into drm_kms_helper
     * but also enters {@code bridge/}, which takes the goal and compiles it as built-in code; even
     * with M=, so the call also empties the list of subdirectories to enter ({@link #makeCalls}).
     */
    public String shadowedBuilder(String object) {
        String b = builder(object).dir();
        if (b == null || !normalize(object).startsWith(b + "/")) return null;
        for (String sub : dir(b).subdirs()) if (normalize(object).startsWith(sub + "/")) return b;
        for (String a : ancestors(b)) {
            if (!reachable(a)) continue;
            boolean passesOn = false;
            for (String sub : dir(a).subdirs()) if (b.equals(sub) || b.startsWith(sub + "/")) passesOn = true;
            if (!passesOn) return b;
        }
        return null;
    }

    /**
     * The make calls that make {@code targets} (.o, .i, ... of objects), each {@code base} followed
     * by targets: one call for those make can be asked for from the top (named by
     * {@link #makeTarget}), and one per directory for those only their own directory may make
     * ({@code M=DIR}, see {@link #shadowedBuilder}).
     */
    public List<List<String>> makeCalls(List<String> base, List<String> targets) {
        List<String> together = new ArrayList<>(base);
        Map<String, List<String>> alone = new java.util.TreeMap<>();
        for (String t : targets) {
            String dir = shadowedBuilder(t.substring(0, t.lastIndexOf('.')) + ".o");
            if (dir == null) together.add(makeTarget(t));
            else alone.computeIfAbsent(dir, k -> new ArrayList<>(base)).add(normalize(t).substring(dir.length() + 1));
        }
        List<List<String>> calls = new ArrayList<>();
        if (together.size() > base.size()) calls.add(together);
        alone.forEach((dir, call) -> {
            // subdir-ym= on the command line holds for every make below: the directory builds its
            // targets itself rather than handing them to a subdirectory too (bridge/panel.o).
            call.addAll(base.size(), List.of("M=" + dir, "subdir-ym="));
            calls.add(call);
        });
        return calls;
    }

    private Builder findBuilder(String object) {
        List<String> ancestors = ancestors(object);
        // Its own directory first, then each ancestor (kvm-y += mmu/mmu.o is built by arch/x86/kvm).
        for (String d : ancestors) {
            if (!reachable(d)) continue;
            Optional<Builder> b = lookIn(d, object);
            if (b.isPresent()) return b.get();
        }
        // Then the directories those enter (amdgpu-y += ../pm/x.o is built by a sibling of pm).
        Set<String> tried = new HashSet<>(ancestors);
        for (String d : ancestors) {
            if (!reachable(d)) continue;
            for (String sub : new ArrayList<>(dir(d).subdirs())) {
                if (!tried.add(sub)) continue;
                Optional<Builder> b = lookIn(sub, object);
                if (b.isPresent()) return b.get();
            }
        }
        // Last, a Makefile anywhere that names it by a path (arch/x86/kvm takes in virt/kvm/Makefile.kvm:
        // kvm-y := $(KVM)/kvm_main.o, KVM being ../../../virt/kvm).
        for (String d : makefileIndex().directoriesNaming(object)) {
            if (!tried.add(d) || !reachable(d)) continue;
            Optional<Builder> b = lookIn(d, object);
            if (b.isPresent()) return b.get();
        }
        return Builder.NONE;
    }

    private MakefileIndex makefileIndex;

    private synchronized MakefileIndex makefileIndex() {
        if (makefileIndex == null) makefileIndex = MakefileIndex.of(tree);
        return makefileIndex;
    }

    private Optional<Builder> lookIn(String dir, String object) {
        DirInfo info = dir(dir);
        if (info.builtin().contains(object)) return Optional.of(new Builder(dir, Kind.BUILTIN));
        if (info.modular().contains(object)) return Optional.of(new Builder(dir, Kind.MODULE));
        return Optional.empty();
    }

    /** The directories containing {@code path}, nearest first ("a/b/c.o" -> a/b, a). */
    private static List<String> ancestors(String path) {
        List<String> out = new ArrayList<>();
        for (int slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) out.add(path.substring(0, slash));
        return out;
    }

    /**
     * True if kbuild descends into {@code dir} under this config: a top-level directory, or one that
     * a reachable ancestor enters (a Makefile may enter a directory several levels below its own).
     */
    public boolean reachable(String dir) {
        Boolean known = reachable.get(dir);
        if (known != null) return known;
        boolean r = TOP.contains(dir);
        for (String a : ancestors(dir)) {
            if (r) break;
            r = reachable(a) && dir(a).subdirs().contains(dir);
        }
        reachable.put(dir, r);
        return r;
    }
}
