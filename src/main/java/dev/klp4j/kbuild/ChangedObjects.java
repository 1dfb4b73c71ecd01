package dev.klp4j.kbuild;

import dev.klp4j.base.Toolchain;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;
import dev.klp4j.source.ConfigConditions;
import dev.klp4j.source.HeaderChange;
import dev.klp4j.source.PreprocessedUnit;
import dev.klp4j.source.MacroDefinitions;
import dev.klp4j.source.ReachableText;
import dev.klp4j.source.UnifiedDiff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.TreeMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The objects a patch changes. A patched .c file: its object (or, for a .c file that other .c files
 * include, theirs), always compiled. A patched header: every object of this config that includes
 * it, found in two steps ({@code grep} proposes the files that mention the header, following the
 * headers and .c files that include it; kbuild's own dependency record {@code .FILE.i.cmd},
 * written when kbuild preprocesses the file with the kernel's flags, decides); and of those, only
 * the ones whose preprocessed text the patch changes are compiled. A header used by thousands of
 * objects thus costs two preprocessing passes (in parallel, in batches) and a handful of compiles.
 *
 * <p>Long because deciding a header's users is one narrowing in several rounds (by name through
 * headers, then by preprocessed text) whose rounds share the candidate sets; the include graph
 * ({@link IncludeGraph}) and the batched preprocessing ({@link Preprocessor}) are apart.
 */
public final class ChangedObjects {
    static final List<String> SKIP_DIRS = List.of("Documentation", "tools", "scripts", "samples", "usr", "LICENSES");

    /**
     * What a patch touches, seen before it is applied: {@code sources} are always compiled;
     * {@code headers} are the patched headers, {@code candidates} the objects of this config whose
     * sources mention them ({@code considered} of them), to be narrowed by {@link #affected};
     * {@code includers} how many sources mention each header.
     */
    public record Changes(List<String> sources, List<String> headers, List<String> candidates, Map<String, String> originalHeaders,
                          Map<String, Integer> includers) {
        public Changes {
            includers = Map.copyOf(includers);
        }

        /** Each header taken as mentioned by every candidate (tests, and patches of one header). */
        public Changes(List<String> sources, List<String> headers, List<String> candidates, Map<String, String> originalHeaders) {
            this(sources, headers, candidates, originalHeaders,
                    headers.stream().collect(java.util.stream.Collectors.toMap(h -> h, h -> candidates.size(), (a, b) -> a)));
        }

        public int considered() { return candidates.size(); }

        /** How many sources mention {@code header} (every candidate, when not counted). */
        public int includers(String header) { return includers.getOrDefault(header, candidates.size()); }
    }

    private final Path tree;
    private final KbuildQuery kbuild;
    private final int jobs;
    private Consumer<String> progress = m -> { };
    private int limit = Integer.MAX_VALUE;
    private final IncludeGraph includes;

    public ChangedObjects(Path tree, KbuildQuery kbuild, int jobs) {
        this.tree = tree;
        this.kbuild = kbuild;
        this.jobs = jobs;
        this.includes = IncludeGraph.of(tree);
    }

    /** Where to report preprocessing progress ("preprocessing 96/2410"). */
    public ChangedObjects progress(Consumer<String> to) {
        this.progress = to;
        return this;
    }

    /**
     * At most how many objects finding one fix's header users may preprocess: past it, the fix is
     * told so ({@link HeaderReach#pastLimit}) before anything is preprocessed. The count is taken
     * after narrowing by name, so a changed inline of a header that 12,000 files include, which 13
     * of them name, is within any limit; a changed struct every includer may reach is not.
     */
    public ChangedObjects limit(int maxPreprocessed) {
        this.limit = maxPreprocessed;
        return this;
    }

    /** Must run on the tree before the patch is applied (the header's users are those of the original source). */
    public Changes find(UnifiedDiff diff) {
        Set<String> sources = new TreeSet<>();
        Set<String> headers = new TreeSet<>();
        for (UnifiedDiff.FilePatch f : diff.files()) {
            // A new header (a fix that moves shared definitions into one) is only read by the patched
            // files that include it; it has no users in the running kernel's source.
            if (f.created() && f.path().endsWith(".h")) continue;
            if (f.created() || f.deleted()) {
                throw new Failure(f.path() + ": the patch " + (f.created() ? "adds" : "deletes")
                        + " a file; a live patch can only change existing C sources and headers");
            }
            if (f.isC()) {
                String obj = f.path().substring(0, f.path().length() - 2) + ".o";
                if (kbuild.kind(obj) != KbuildQuery.Kind.NOT_BUILT) {
                    sources.add(obj);
                    continue;
                }
                // A .c file that other .c files #include (kernel/sched/build_utility.c takes in
                // loadavg.c, wait.c, ...) has no object of its own: its includers are rebuilt.
                List<String> includers = headerUsers(f.path());
                if (includers.isEmpty()) {
                    throw new Failure(f.path() + ": not built by this kernel's config (kbuild does not build " + obj
                            + ", and no object of this config includes the file)");
                }
                sources.addAll(includers);
            } else if (f.isHeader()) {
                headers.add(f.path());
            } else {
                throw new Failure(f.path() + ": only C sources (.c) and headers (.h) can be live patched");
            }
        }
        Map<String, String> originals = new TreeMap<>();
        for (String h : headers) originals.put(h, read(h));
        // Every .c file that includes a patched header; which of them this config builds is asked
        // of kbuild later, for the ones that can be affected (thousands of directories otherwise).
        List<String> candidates = usersOf(headers, sources);
        if (!headers.isEmpty() && candidates.isEmpty() && sources.isEmpty()) {
            // Another architecture's header (include/kvm/arm_arch_timer.h): as a .c file kbuild does not build.
            throw new Failure(String.join(", ", headers) + ": not built by this kernel's config (no object of this config includes"
                    + " this header): nothing to patch");
        }
        Map<String, Integer> includers = new TreeMap<>();
        for (String h : headers) includers.put(h, includes.mentioning(h).size());
        return new Changes(new ArrayList<>(sources), new ArrayList<>(headers), candidates, originals, includers);
    }

    /**
     * The objects to compile: the sources, and the header users the patch really changes, decided
     * per patched header by what its change touches (see {@link HeaderChange#changedNames}):
     * <ul>
     * <li>edited or removed macros: the includers that name one (or include a file that does) and
     *     whose reachable preprocessed text the patch changes (two passes);
     * <li>types, prototypes, enumerators: the includers whose compiled code depends on one (one pass);
     * <li>static inline bodies only: the includers whose compiled code calls one (one pass);
     * <li>a change not understood by name: the includers whose reachable text changes (two passes).
     * </ul>
     * One header's fix often does several (netdevice.h: a macro and an inline; a driver header: a
     * prototype): each header's users are found its own way and the results joined, so a prototype
     * in a driver's header does not send a macro of netdevice.h to a comparison of every includer.
     * {@code apply} and {@code revert} put the patch in and take it out.
     */
    public HeaderReach affected(Changes all, Runnable apply, Runnable revert) {
        return affectedEach(Map.of("patch", all), apply, revert).get("patch");
    }

    /**
     * {@link #affected} for many fixes at once, each object preprocessed once however many of the
     * fixes' headers it includes (an update has dozens of changed headers whose users overlap).
     * {@code apply} puts in every fix's patch; ids are non-empty, one line each. An object whose text changes is given to each fix
     * whose changed headers it includes and whose candidates it is: when two fixes' headers meet in
     * one object both get it, as neither fix alone says what that object compiles to.
     */
    public Map<String, HeaderReach> affectedEach(Map<String, Changes> fixes, Runnable apply, Runnable revert) {
        Map<String, Set<String>> out = new java.util.LinkedHashMap<>();
        Set<String> allHeaders = new TreeSet<>();
        for (var f : fixes.entrySet()) {
            out.put(f.getKey(), new TreeSet<>(f.getValue().sources()));
            allHeaders.addAll(f.getValue().headers());
        }
        Searched s = allHeaders.isEmpty() ? new Searched(Map.of(), 0) : usersOfHeaders(fixes, allHeaders, out, apply, revert);
        Map<String, HeaderReach> reach = new java.util.LinkedHashMap<>();
        out.forEach((k, v) -> reach.put(k, s.pastLimit().containsKey(k) ? s.pastLimit().get(k) : HeaderReach.found(new ArrayList<>(v), s.preprocessed())));
        return reach;
    }

    /** What finding header users did besides adding them: the fixes past the limit (nothing preprocessed for them), and how many objects it preprocessed. */
    private record Searched(Map<String, HeaderReach> pastLimit, int preprocessed) {}

    private Searched usersOfHeaders(Map<String, Changes> fixes, Set<String> allHeaders, Map<String, Set<String>> out,
            Runnable apply, Runnable revert) {
        Map<String, String> patchedHeaders = new TreeMap<>();
        apply.run();
        try {
            for (String h : allHeaders) patchedHeaders.put(h, read(h));
        } finally {
            revert.run();
        }
        ConfigConditions config = ConfigConditions.of(tree);
        Map<String, Set<String>> textCandidates = new TreeMap<>(); // fix -> objects to compare the text of
        Map<String, List<String>> textHeaders = new TreeMap<>();   // fix -> its headers compared by text
        List<Check> checks = new ArrayList<>();
        Map<String, Map<String, Followed>> followed = new TreeMap<>(); // fix -> header -> how its users are found
        int followedFixes = 0;
        for (var f : fixes.entrySet()) {
            // Each header's includers and the grep for its names take seconds: a batch of 100 fixes, minutes.
            progress.accept("following the changed names of " + ++followedFixes + "/" + fixes.size() + " fix(es)' headers");
            Changes all = f.getValue();
            Map<String, Followed> byHeader = followed.computeIfAbsent(f.getKey(), k -> new TreeMap<>());
            for (String h : all.headers()) {
                HeaderChange.Names names = HeaderChange.changedNames(all.originalHeaders().get(h), patchedHeaders.get(h), config,
                        new MacroDefinitions(tree, h, patchedHeaders.get(h))::definition);
                // Only comments, blank lines or blocks this config leaves out: no user can change.
                if (names != null && names.isEmpty()) continue;
                List<String> users = usersOf(List.of(h), all.sources());
                Set<String> mine = new TreeSet<>();
                byHeader.put(h, new Followed(names == null ? "a change no name follows (an #if line, a removed #include, a construct"
                        + " a macro makes) changes the text every includer compiles"
                        : !names.types().isEmpty() ? "code reaches " + some(names.types()) + " through other types without naming it"
                        : "code naming " + some(union(names.all(), names.macros())) + " or what expands to it", mine));
                if (names == null) {
                    textHeaders.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(h);
                    mine.addAll(users);
                    textCandidates.computeIfAbsent(f.getKey(), k -> new TreeSet<>()).addAll(users);
                    continue;
                }
                if (!names.macros().isEmpty()) {
                    // Only code that expands an edited macro, or a macro or inline of the header that
                    // does, can change: grep narrows the includers to the files naming one of those.
                    Set<String> changed = new TreeSet<>(names.inlines());
                    changed.addAll(names.macros());
                    textHeaders.computeIfAbsent(f.getKey(), k -> new ArrayList<>()).add(h);
                    List<String> naming = narrowedByName(users, all, patchedHeaders, changed);
                    mine.addAll(naming);
                    textCandidates.computeIfAbsent(f.getKey(), k -> new TreeSet<>()).addAll(naming);
                }
                Check check = null;
                if (!names.types().isEmpty()) {
                    // No narrowing by grep here: code reaches a struct through members of other structs
                    // without ever naming it.
                    Set<String> n = names.all();
                    check = new Check(f.getKey(), h, new TreeSet<>(users), u -> HeaderChange.dependsOn(u, n));
                } else if (!names.named().isEmpty()) {
                    // A prototype, an extern variable: code reaches them only by naming them (or a macro
                    // or inline that does), so grep narrows the includers as for an inline.
                    Set<String> n = names.all();
                    check = new Check(f.getKey(), h, new TreeSet<>(narrowedByName(users, all, patchedHeaders, n)), u -> HeaderChange.dependsOn(u, n));
                } else if (names.macros().isEmpty()) {
                    Set<String> inlines = names.inlines();
                    check = new Check(f.getKey(), h, new TreeSet<>(narrowedByName(users, all, patchedHeaders, inlines)),
                            u -> HeaderChange.uses(u, inlines));
                }
                if (check != null) {
                    checks.add(check);
                    mine.addAll(check.objects());
                }
            }
        }
        Map<String, HeaderReach> wide = pastLimit(fixes, followed);
        checks.removeIf(c -> wide.containsKey(c.fix()));
        textCandidates.keySet().removeAll(wide.keySet());
        textHeaders.keySet().removeAll(wide.keySet());
        Set<String> onePass = new TreeSet<>();
        for (Check c : checks) onePass.addAll(c.objects());
        Set<String> textPass = new TreeSet<>();
        textCandidates.values().forEach(textPass::addAll);
        progress.accept("asking kbuild which of " + (onePass.size() + textPass.size()) + " includer(s) this config builds");
        List<String> preprocessedOnce = built(new ArrayList<>(onePass));
        List<String> compared = built(new ArrayList<>(textPass));
        Set<String> considered = new TreeSet<>(preprocessedOnce);
        considered.addAll(compared);
        int preprocessed = considered.size();
        if (!preprocessedOnce.isEmpty()) {
            // The value is the fixes whose change the object uses, one per line.
            Map<String, String> using = preprocessor().run(preprocessedOnce, (o, i) -> {
                Set<String> by = new TreeSet<>();
                // Many fixes' checks ask about one object: its dependency record is read and its
                // text cut into constructs once, not once per check.
                List<String> deps = null;
                PreprocessedUnit unit = null;
                for (Check c : checks) {
                    if (by.contains(c.fix()) || !c.objects().contains(o)) continue;
                    if (deps == null) deps = dependencies(i);
                    if (!dependsOn(deps, c.header())) continue;
                    if (unit == null) unit = PreprocessedUnit.read(tree.resolve(i));
                    if (c.changes().test(unit)) by.add(c.fix());
                }
                return by.isEmpty() ? null : String.join("\n", by);
            });
            using.forEach((o, by) -> {
                if (by.equals(Preprocessor.FAILED)) {
                    // kbuild could not preprocess it: compiled, not missed, for every fix that may reach it
                    for (Check c : checks) if (c.objects().contains(o)) out.get(c.fix()).add(o);
                } else {
                    by.lines().forEach(fix -> out.get(fix).add(o));
                }
            });
        }
        if (!compared.isEmpty()) comparedText(textHeaders, textCandidates, compared, out, apply, revert);
        return new Searched(wide, preprocessed);
    }

    /** How one fix's users are found for one of its headers, and the objects that takes preprocessing. */
    private record Followed(String how, Set<String> objects) {}

    /**
     * The fixes whose users would take preprocessing more than {@link #limit} objects, each with
     * the header change that needs the most. Counted before kbuild is asked which of them this
     * config builds (the answer for thousands of directories is not free), so it may count a few
     * that would not be preprocessed.
     */
    private Map<String, HeaderReach> pastLimit(Map<String, Changes> fixes, Map<String, Map<String, Followed>> followed) {
        Map<String, HeaderReach> wide = new TreeMap<>();
        for (var f : followed.entrySet()) {
            Set<String> planned = new TreeSet<>();
            Map.Entry<String, Followed> widest = null;
            for (var h : f.getValue().entrySet()) {
                planned.addAll(h.getValue().objects());
                if (widest == null || h.getValue().objects().size() > widest.getValue().objects().size()) widest = h;
            }
            if (planned.size() <= limit) continue;
            wide.put(f.getKey(), new HeaderReach(fixes.get(f.getKey()).sources(), planned.size(), true,
                    widest.getKey() + ": " + widest.getValue().how()));
        }
        return wide;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new TreeSet<>(a);
        u.addAll(b);
        return u;
    }

    /** Up to three names, and how many more. */
    private static String some(Set<String> names) {
        List<String> l = new ArrayList<>(names);
        return String.join(", ", l.subList(0, Math.min(3, l.size()))) + (l.size() > 3 ? " (and " + (l.size() - 3) + " more)" : "");
    }

    /** One patched header's users for one fix, decided by one pass: {@code changes} tells from an object's preprocessed file. */
    private record Check(String fix, String header, Set<String> objects, java.util.function.Predicate<PreprocessedUnit> changes) {}

    /**
     * The {@code users} that include (or are) a file naming one of {@code names}, or a macro or
     * inline of the patched headers that does; all of them when something without a name does.
     */
    private List<String> narrowedByName(List<String> users, Changes all, Map<String, String> patchedHeaders, Set<String> names) {
        Set<String> reaching = reaching(all, patchedHeaders, names);
        return reaching == null ? users : naming(users, reaching, all.headers());
    }

    /**
     * The names through which code outside the headers reaches {@code names} (see
     * {@link HeaderChange#reachingNames}), on both sides of each header; null when something
     * without a name mentions them (then every includer may).
     */
    private static Set<String> reaching(Changes d, Map<String, String> patchedHeaders, Set<String> names) {
        Set<String> reaching = new TreeSet<>();
        for (String h : d.headers()) {
            for (String text : List.of(d.originalHeaders().get(h), patchedHeaders.get(h))) {
                Set<String> r = HeaderChange.reachingNames(text, names);
                if (r == null) return null;
                reaching.addAll(r);
            }
        }
        return reaching;
    }

    /**
     * Adds to {@code out} the {@code includers} (built objects) of {@code headers} whose reachable
     * preprocessed text (see {@link ReachableText}) the patch changes (two passes).
     */
    private void comparedText(Map<String, List<String>> headers, Map<String, Set<String>> candidates, List<String> includers,
            Map<String, Set<String>> out, Runnable apply, Runnable revert) {
        List<String> all = headers.values().stream().flatMap(List::stream).distinct().toList();
        // The fixes an object's text can change by ride along with its fingerprint, on the lines after it.
        java.util.function.BiFunction<String, String, String> look = (o, i) -> {
            List<String> deps = dependencies(i);
            if (!includesAny(deps, all)) return null;
            StringBuilder v = new StringBuilder(ReachableText.fingerprint(tree.resolve(i)));
            headers.forEach((fix, hs) -> {
                if (candidates.get(fix).contains(o) && includesAny(deps, hs)) v.append('\n').append(fix);
            });
            return v.toString();
        };
        Map<String, String> before = preprocessor().run(includers, look);
        Map<String, String> after;
        apply.run();
        try {
            after = preprocessor().run(includers, look);
        } finally {
            revert.run();
        }
        Set<String> users = new TreeSet<>(before.keySet());
        users.addAll(after.keySet());
        for (String u : users) {
            String a = before.get(u), b = after.get(u);
            String fa = a == null ? null : a.lines().findFirst().orElse(""), fb = b == null ? null : b.lines().findFirst().orElse("");
            if (fa != null && fb != null && !fa.equals(Preprocessor.FAILED) && fa.equals(fb)) continue;
            Set<String> by = new TreeSet<>();
            for (String v : java.util.Arrays.asList(a, b)) if (v != null) v.lines().skip(1).forEach(by::add);
            // FAILED carries no fixes: every fix that had the object as a candidate compiles it.
            if (by.isEmpty()) candidates.forEach((fix, c) -> { if (c.contains(u)) by.add(fix); });
            for (String fix : by) out.get(fix).add(u);
        }
    }

    /** The objects of the .c files that include one of {@code headers}, other than {@code sources}, sorted. */
    private List<String> usersOf(java.util.Collection<String> headers, java.util.Collection<String> sources) {
        Set<String> candidates = new TreeSet<>();
        for (String h : headers) {
            for (String f : includes.mentioning(h)) {
                String obj = f.substring(0, f.length() - 2) + ".o";
                if (!sources.contains(obj)) candidates.add(obj);
            }
        }
        return new ArrayList<>(candidates);
    }

    /** Rounds of following names through headers before the rest is taken as every includer. */
    private static final int NAME_ROUNDS = 6;

    /**
     * The candidates whose code can name one of {@code names}: the .c files that name one (and the
     * .c files that include those), followed through headers by name. A header that names one only
     * in its own macros and static inlines passes on just their names (net/dst.h's
     * {@code dst_dev_overhead} for netdevice.h's {@code LL_RESERVED_SPACE}), so only the files
     * naming those are added, not the header's thousands of includers; a header that names one
     * anywhere else (a struct, a non-inline function) makes all of its includers candidates.
     */
    private List<String> naming(List<String> candidates, Set<String> names, List<String> headers) {
        Set<String> followed = new TreeSet<>(names);
        Set<String> reach = new TreeSet<>();
        Set<String> fresh = new TreeSet<>(names);
        for (int round = 0; !fresh.isEmpty(); round++) {
            Set<String> next = new TreeSet<>();
            for (String f : filesNaming(fresh)) {
                if (headers.contains(f)) continue;
                if (f.endsWith(".c")) {
                    reach.add(f);
                    reach.addAll(includes.mentioning(f));
                    continue;
                }
                Set<String> passed = round + 1 < NAME_ROUNDS ? HeaderChange.reachingNames(read(f), followed) : null;
                if (passed == null) {
                    reach.addAll(includes.mentioning(f));
                    continue;
                }
                for (String n : passed) if (followed.add(n)) next.add(n);
            }
            fresh = next;
        }
        List<String> out = new ArrayList<>();
        for (String o : candidates) if (reach.contains(o.substring(0, o.length() - 2) + ".c")) out.add(o);
        return out;
    }

    /** The .c and .h files of the tree that name one of {@code names} (grep -w). */
    private List<String> filesNaming(Set<String> names) {
        List<String> cmd = new ArrayList<>(List.of("grep", "-rlw", "--include=*.c", "--include=*.h"));
        for (String d : SKIP_DIRS) cmd.add("--exclude-dir=" + d);
        cmd.add("--exclude-dir=.tmp_*"); // kbuild's scratch directories vanish while a make runs beside
        if (names.stream().allMatch(n -> IDENTIFIER.matcher(n).matches())) {
            // Fixed strings: grep's search for many words is twice as fast as the same alternation as a regex.
            cmd.add("-F");
            for (String n : names) cmd.addAll(List.of("-e", n));
        } else {
            cmd.addAll(List.of("-E", String.join("|", names)));
        }
        cmd.addAll(searchedDirs());
        Toolchain.Result r = Exec.run(tree, cmd);
        if (r.status() > 1) throw new Failure(Failure.Kind.TOOL, "grep failed: " + r.tail(3));
        List<String> out = new ArrayList<>();
        for (String l : r.output().split("\n")) {
            String f = l.strip().startsWith("./") ? l.strip().substring(2) : l.strip();
            if (f.isEmpty() || f.startsWith("arch/") && !f.startsWith("arch/x86/")) continue;
            out.add(f);
        }
        out.sort(null); // grep walks directories in the file system's order: the rounds of naming() see them in one order
        return out;
    }

    private static final java.util.regex.Pattern IDENTIFIER = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** The tree's top directories a name search reads: x86 alone of arch/ (the other architectures are a tenth of the tree). */
    private List<String> searchedDirs() {
        try (var top = Files.list(tree)) {
            List<String> dirs = new ArrayList<>(top.filter(Files::isDirectory).map(d -> d.getFileName().toString())
                    .filter(d -> !d.equals("arch") && !d.startsWith(".") && !SKIP_DIRS.contains(d)).sorted().toList());
            if (Files.isDirectory(tree.resolve("arch/x86"))) dirs.add("arch/x86");
            return dirs;
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, tree + ": cannot list: " + e.getMessage());
        }
    }

    private static boolean includesAny(List<String> dependencies, List<String> headers) {
        for (String h : headers) if (dependsOn(dependencies, h)) return true;
        return false;
    }

    private String read(String relative) {
        try {
            return Files.readString(tree.resolve(relative), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new Failure(relative + ": cannot read: " + e.getMessage());
        }
    }

    /** The objects of this config that include {@code header}, by kbuild's dependency records. */
    public List<String> headerUsers(String header) {
        List<String> objects = new ArrayList<>();
        for (String c : candidates(List.of(header))) objects.add(c.substring(0, c.length() - 2) + ".o");
        return new ArrayList<>(preprocessor().run(objects, (o, i) -> dependsOn(i, header) ? "user" : null).keySet());
    }

    /** .c files of objects this config builds that mention one of {@code headers}. */
    private List<String> candidates(java.util.Collection<String> headers) {
        Set<String> objects = new TreeSet<>();
        for (String h : headers) for (String c : includes.mentioning(h)) objects.add(c.substring(0, c.length() - 2) + ".c");
        List<String> out = new ArrayList<>();
        for (String o : built(objects.stream().map(c -> c.substring(0, c.length() - 2) + ".o").toList())) {
            out.add(o.substring(0, o.length() - 2) + ".c");
        }
        return out;
    }

    /** The objects this config builds, of {@code objects} (asked of kbuild, many directories at once). */
    private List<String> built(List<String> objects) {
        java.util.concurrent.ForkJoinPool pool = new java.util.concurrent.ForkJoinPool(Math.max(1, jobs));
        try {
            return pool.submit(() -> objects.parallelStream().filter(o -> kbuild.kind(o) != KbuildQuery.Kind.NOT_BUILT)
                    .sorted().toList()).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure(Failure.Kind.TOOL, "interrupted");
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            if (e.getCause() instanceof Error err) throw err; // a bug, not a failing tool
            throw new Failure(Failure.Kind.TOOL, "asking kbuild which objects are built failed: " + e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private Preprocessor preprocessor() {
        return new Preprocessor(tree, kbuild, jobs, progress);
    }

    /** True if kbuild's dependency list for {@code target} names {@code header}. */
    boolean dependsOn(String target, String header) {
        return dependsOn(dependencies(target), header);
    }

    /** The lines of kbuild's dependency record of {@code target} (its .cmd file), stripped of their continuations. */
    private List<String> dependencies(String target) {
        int slash = target.lastIndexOf('/');
        Path cmd = tree.resolve(target.substring(0, slash + 1) + "." + target.substring(slash + 1) + ".cmd");
        try {
            List<String> out = new ArrayList<>();
            for (String line : Files.readAllLines(cmd, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                String l = line.strip();
                if (l.endsWith("\\")) l = l.substring(0, l.length() - 1).strip();
                out.add(l);
            }
            return out;
        } catch (IOException e) {
            throw new Failure("kbuild wrote no dependency record for " + target + " (" + cmd + ")");
        }
    }

    private static boolean dependsOn(List<String> dependencies, String header) {
        for (String l : dependencies) {
            if (l.equals(header) || l.equals("./" + header) || l.endsWith("/" + header) && l.startsWith("$(srctree)")) return true;
        }
        return false;
    }
}
