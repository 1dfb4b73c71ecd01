package dev.klp4j.update;

import dev.klp4j.base.Failure;
import dev.klp4j.base.WorkDir;
import dev.klp4j.pipeline.BuildOptions;
import dev.klp4j.pipeline.Step;
import dev.klp4j.review.Finding;
import dev.klp4j.review.Reviewer;
import dev.klp4j.source.PatchHunks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The decide step of {@link UpdateBuild}: every fix of a cut in its class, with the progress bar.
 * A fix that needs another change of the update is tried again with what it most likely needs
 * (the changed headers it includes; the fix that adds a function it calls; the fixes of the files
 * that call a function it removes).
 */
final class FixRounds {
    /** What decides fixes: {@link FixDecider} on a kernel tree, or a test's fake. */
    interface Decider {
        /** Each fix of a batch (fixes decided as one come back under each member's id). */
        Map<String, FixDecider.Decided> decideBatch(List<Fix> fixes);

        /** One fix, alone. */
        FixDecider.Decided decide(Fix fix);
    }

    /** Makes the decider of one update's decide step. */
    interface Deciders {
        Decider open(String release, BuildOptions template, Path work, DecisionCache cache, UpdateListener listener);
    }

    private final UpdateOptions o;
    private final UpdateListener listener;
    private final Deciders deciders;

    FixRounds(UpdateOptions options, UpdateListener listener) {
        this(options, listener, FixDecider::new);
    }

    FixRounds(UpdateOptions options, UpdateListener listener, Deciders deciders) {
        this.o = options;
        this.listener = listener;
        this.deciders = deciders;
    }

    /** Fixes of C files decided per batch: a batch's compile is one kbuild call, its progress one step of the bar. */
    static final int BATCH = 40;
    /** Header fixes decided per batch: their users overlap, so more at once share more preprocessing. */
    static final int HEADER_BATCH = 100;

    /**
     * Every fix in its class: the C files in batches (one that needs other changes is tried again
     * alone with the headers it includes), then each changed header no live-patched fix took along.
     */
    List<FixDecision> decideAll(String release, UpdateCut cut, FixCutter.Cut fixes) {
        List<FixDecision> out = new ArrayList<>(fixes.decided());
        WorkDir dir = WorkDir.create("klp4j-update-");
        Path work = dir.path();
        Progress progress = new Progress(fixes.sources().size() + fixes.headers().size());
        listener.started("decide");
        DecisionCache cache = new DecisionCache(o.cacheRoot, release);
        try {
            BuildOptions template = new BuildOptions();
            template.jobs = o.jobs;
            template.cacheRoot = o.cacheRoot;
            template.cluster = o.cluster;
            Decider decider = deciders.open(release, template, work, cache, listener);
            Set<String> covered = new LinkedHashSet<>();
            Map<String, List<FixDecider.Decided>> stuck = new java.util.TreeMap<>(); // directory -> fixes that need others there
            for (int i = 0; i < fixes.sources().size(); i += BATCH) {
                List<Fix> batch = fixes.sources().subList(i, Math.min(fixes.sources().size(), i + BATCH));
                long t0 = System.nanoTime();
                Map<String, FixDecider.Decided> decided = decider.decideBatch(batch);
                progress.built(System.nanoTime() - t0, batch.size());
                for (Fix fix : batch) {
                    FixDecider.Decided d = decided.get(fix.id());
                    if (d.kind() == FixDecider.Kind.DEPENDENT) d = withHeaders(decider, cut, fix, fixes.headers(), d);
                    if (d.kind() == FixDecider.Kind.DEPENDENT) d = withDefiner(decider, cut, fix, fixes.sources(), d);
                    d = withCallers(decider, cut, fix, fixes.sources(), fixes.headers(), d);
                    if (needsNeighbours(d.decision())) stuck.computeIfAbsent(directory(fix.id()), k -> new ArrayList<>()).add(d);
                    else record(d.decision(), covered, out, progress);
                }
            }
            for (List<FixDecider.Decided> group : stuck.values()) {
                FixDecision together = group.size() < 2 ? null : withNeighbours(decider, cut, group, fixes.headers());
                if (together == null) {
                    for (FixDecider.Decided d : group) record(d.decision(), covered, out, progress);
                } else if (together.status() == FixStatus.LIVE_PATCHED) {
                    progress.done += group.size() - 1; // one line for the fixes decided as one
                    record(together, covered, out, progress);
                } else {
                    // Each still needs the others, but what refuses them is what the join says (nilfs2's
                    // dir.c, inode.c, mdt.c and page.c: a changed global operations table), not an error.
                    for (FixDecider.Decided d : group) {
                        record(d.decision().withStatus(together.status(), "needs the other changes of " + directory(d.decision().id())
                                + " (" + String.join(", ", together.files()) + "), and with them: " + together.reason()), covered, out, progress);
                    }
                }
            }
            // The changed headers no live-patched C fix took along, in batches of their own: their
            // users are found in one preprocessing of each object, and compiled once.
            List<Fix> headers = new ArrayList<>();
            for (String h : fixes.headers()) {
                if (covered.contains(h)) progress.total--;
                else headers.add(new Fix(h, List.of(h), cut.patch(List.of(h))));
            }
            for (int i = 0; i < headers.size(); i += HEADER_BATCH) {
                List<Fix> batch = headers.subList(i, Math.min(headers.size(), i + HEADER_BATCH));
                long t0 = System.nanoTime();
                Map<String, FixDecider.Decided> decided = decider.decideBatch(batch);
                progress.built(System.nanoTime() - t0, batch.size());
                for (Fix fix : batch) record(decided.get(fix.id()).decision(), covered, out, progress);
            }
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "update work directory " + work + ": " + e.getMessage());
        } finally {
            dir.close();
            listener.finished(new Step("decide", (System.nanoTime() - progress.start) / 1e9, progress.done + " fix(es) decided, "
                    + cache.hits() + " from the cache"));
        }
        out.sort(Comparator.comparing(FixDecision::id));
        return out;
    }

    /**
     * A fix that does not compile alone, tried with the changed headers it includes; its first
     * answer stands if that does not help. A header that changes a struct's layout is refused from
     * the source, as a build of it would be after preprocessing every includer (ATA's dozens of
     * fixes need libata.h so): the fix is tried without such headers, and refused naming one only
     * when it does not compile without them either (it includes pci.h, but may need only kvm's).
     */
    private static FixDecider.Decided withHeaders(Decider decider, UpdateCut cut, Fix fix, List<String> headers, FixDecider.Decided alone)
            throws IOException {
        Set<String> wanted = new LinkedHashSet<>();
        for (String f : fix.files()) if (!headers.contains(f)) wanted.addAll(FixCutter.headersFor(cut, f, headers));
        wanted.removeAll(fix.files());
        List<String> needed = new ArrayList<>(wanted);
        if (needed.isEmpty()) return alone;
        List<String> usable = new ArrayList<>();
        String refusedHeader = null;
        Finding layout = null;
        for (String h : needed) {
            List<Finding> found = layoutChanges(cut, h);
            if (found.isEmpty()) {
                usable.add(h);
            } else if (layout == null) {
                refusedHeader = h;
                layout = found.get(0);
            }
        }
        FixDecider.Decided named = withNamedHeaders(decider, cut, fix, usable, alone);
        // Decided, or compiling now and only missing a function another fix adds (withDefiner's case).
        if (named != null && (named.kind() == FixDecider.Kind.DECIDED || FixCutter.missingSymbol(named.decision().reason()) != null)) return named;
        if (!usable.isEmpty()) {
            List<String> files = new ArrayList<>(usable);
            files.addAll(fix.files());
            FixDecider.Decided with = decider.decide(new Fix(fix.id(), files, cut.patch(files)));
            if (with.kind() == FixDecider.Kind.DECIDED || FixCutter.missingSymbol(with.decision().reason()) != null) return with;
        }
        if (layout == null) return alone;
        return new FixDecider.Decided(FixDecider.Kind.DECIDED, alone.decision().withStatus(FixStatus.NEEDS_REBOOT,
                "does not compile without other changes of the update" + (usable.isEmpty() ? "" : ", even with " + String.join(", ", usable))
                        + "; it includes the changed " + refusedHeader + ", which cannot be live patched: "
                        + layout.line().replaceAll("\\s+", " ")));
    }

    /** The struct layout changes of header {@code h} that the source alone refuses (see {@link Reviewer#headerLayouts}). */
    private static List<Finding> layoutChanges(UpdateCut cut, String h) throws IOException {
        return Reviewer.headerLayouts(PatchHunks.of(h,
                cut.older(h) == null ? "" : Files.readString(cut.older(h), StandardCharsets.ISO_8859_1),
                Files.readString(cut.newer(h), StandardCharsets.ISO_8859_1)));
    }

    private static final Pattern QUOTED = Pattern.compile("[\u2018'](\\w+)[\u2019']");

    /**
     * A dependent fix tried with only the headers whose changes name what its compile error says
     * is missing (mlx5's main.c needs the qp.h that declares mlx5_ib_qp_event_init, not the other
     * changed headers it includes, one of which 25,000 files include: too many users to decide),
     * a round per error, while that adds headers: the last answer, or null when no header was named.
     */
    private static FixDecider.Decided withNamedHeaders(Decider decider, UpdateCut cut, Fix fix, List<String> usable, FixDecider.Decided alone)
            throws IOException {
        Set<String> chosen = new LinkedHashSet<>();
        FixDecider.Decided last = alone;
        for (int round = 0; round < 4 && last.kind() == FixDecider.Kind.DEPENDENT; round++) {
            Set<String> missing = new LinkedHashSet<>();
            Matcher m = QUOTED.matcher(String.valueOf(last.decision().reason()));
            while (m.find()) missing.add(m.group(1));
            boolean more = false;
            for (String h : usable) if (!chosen.contains(h) && addsAny(cut, h, missing)) more |= chosen.add(h);
            // Every usable header named: the caller tries exactly that next.
            if (!more || chosen.size() == usable.size()) break;
            List<String> files = new ArrayList<>(chosen);
            files.addAll(fix.files());
            last = decider.decide(new Fix(fix.id(), files, cut.patch(files)));
        }
        return last == alone ? null : last;
    }

    /** Whether a line the newer {@code header} adds names one of {@code identifiers}. */
    private static boolean addsAny(UpdateCut cut, String header, Set<String> identifiers) throws IOException {
        if (identifiers.isEmpty()) return false;
        Pattern named = Pattern.compile("\\b(?:" + String.join("|", identifiers) + ")\\b"); // \w+ each: no quoting needed
        Set<String> old = cut.older(header) == null ? Set.of()
                : new HashSet<>(Files.readAllLines(cut.older(header), StandardCharsets.ISO_8859_1));
        for (String line : Files.readAllLines(cut.newer(header), StandardCharsets.ISO_8859_1)) {
            if (!old.contains(line) && named.matcher(line).find()) return true;
        }
        return false;
    }

    /**
     * A fix that calls what the running kernel lacks, tried together with the fix whose file
     * defines it (a function added in one file and called from another: they only work together);
     * when the join lacks another such function, with that one's definer too, a few rounds deep
     * (6.12.118's af_rose.c calls rose_assign_lci, which rose_route.c adds and which calls
     * rose_neigh_init_timers, which rose_link.c adds).
     */
    private static FixDecider.Decided withDefiner(Decider decider, UpdateCut cut, Fix fix, List<Fix> sources, FixDecider.Decided alone)
            throws IOException {
        List<String> files = new ArrayList<>(alone.decision().files()); // with the headers it was tried with
        List<String> others = sources.stream().map(Fix::id).filter(id -> !id.equals(fix.id())).toList();
        FixDecider.Decided last = alone;
        for (int round = 0; round < DEFINER_ROUNDS; round++) {
            String symbol = FixCutter.missingSymbol(last.decision().reason());
            if (symbol == null) break;
            String definer = FixCutter.definer(cut, symbol, others.stream().filter(id -> !files.contains(id)).toList());
            if (definer == null) break;
            files.add(0, definer);
            last = decider.decide(new Fix(fix.id(), files, cut.patch(files)));
            if (last.kind() == FixDecider.Kind.DECIDED) return last;
        }
        return alone;
    }

    /** How many definers a fix that lacks functions is joined with, one after another, before it is left as it was. */
    private static final int DEFINER_ROUNDS = 4;

    /**
     * A fix refused because it removes a global function that files outside it still call (a
     * rename: 6.1.190's sch_generic.c turns qdisc_free into qdisc_free_rcu, and sch_api.c's fix
     * calls the new one), tried together with those files' fixes; it stands only if that is live
     * patched (trace_events.c's caller, trace.c, is not patchable: the first reason says why).
     * Joined files that do not compile are tried with the changed headers they include (sch_api.c's
     * fix needs sch_generic.h's and pkt_sched.h's).
     */
    private static FixDecider.Decided withCallers(Decider decider, UpdateCut cut, Fix fix, List<Fix> sources, List<String> headers,
            FixDecider.Decided d) throws IOException {
        if (d.kind() != FixDecider.Kind.DECIDED || d.decision().status() != FixStatus.NEEDS_REBOOT) return d;
        List<String> callers = FixCutter.oldCallers(d.decision().reason());
        if (callers.isEmpty() || !sources.stream().map(Fix::id).toList().containsAll(callers)) return d;
        List<String> files = new ArrayList<>(d.decision().files());
        for (String c : callers) if (!files.contains(c)) files.add(c);
        Fix together = new Fix(fix.id(), files, cut.patch(files));
        FixDecider.Decided joined = decider.decide(together);
        if (joined.kind() == FixDecider.Kind.DEPENDENT) joined = withHeaders(decider, cut, together, headers, joined);
        return joined.kind() == FixDecider.Kind.DECIDED && joined.decision().status() == FixStatus.LIVE_PATCHED ? joined : d;
    }

    /**
     * Whether a fix needs a reboot only because it needs other changes of the update (it does not
     * compile or link without them, or keeps callers of a changed prototype that another fix
     * changes): such fixes of one directory are tried together (neighbours).
     */
    private static boolean needsNeighbours(FixDecision d) {
        String r = d.reason();
        if (d.status() != FixStatus.NEEDS_REBOOT || r == null || r.contains(", which cannot be live patched: ")) return false; // a header refuses it
        return r.startsWith("does not compile without other changes of the update") || FixCutter.missingSymbol(r) != null
                || r.contains(Reviewer.UNREPLACED_USERS);
    }

    private static String directory(String file) {
        return file.contains("/") ? file.substring(0, file.lastIndexOf('/')) : "";
    }

    /**
     * The fixes of one directory that each need the others, tried as one with the changed headers
     * they include (but no header whose layout change cannot be live patched): 6.12.118's netrom
     * changes nr_output's prototype in netrom.h and nr_out.c, calls it from af_netrom.c and adds
     * nr_negotiate_window for af_netrom.c and nr_in.c; alone each fails, together they are one live
     * patch. The join is tried first with only the headers their errors name (netrom.h): every
     * other changed header they include (af_netrom.c includes ip.h and mm.h) brings that header's
     * own users and their failures (ip.h's change needs route.c's). The join's decision when it is
     * live patched or refused for a reason of its own; null when it does not compile either (each
     * keeps its own reason then).
     */
    private static FixDecision withNeighbours(Decider decider, UpdateCut cut, List<FixDecider.Decided> group, List<String> headers)
            throws IOException {
        Set<String> taken = new LinkedHashSet<>(); // the headers the fixes were decided with
        Set<String> sources = new LinkedHashSet<>();
        Set<String> missing = new LinkedHashSet<>();
        for (FixDecider.Decided d : group) {
            for (String f : d.decision().files()) {
                if (headers.contains(f)) taken.add(f);
                else sources.add(f);
            }
            Matcher m = QUOTED.matcher(String.valueOf(d.decision().reason()));
            while (m.find()) missing.add(m.group(1));
        }
        Set<String> named = new LinkedHashSet<>(taken);
        Set<String> all = new LinkedHashSet<>(taken);
        for (String f : sources) {
            for (String h : FixCutter.headersFor(cut, f, headers)) {
                if (all.contains(h) || !layoutChanges(cut, h).isEmpty()) continue;
                all.add(h);
                if (addsAny(cut, h, missing)) named.add(h);
            }
        }
        String id = group.get(0).decision().id();
        for (Set<String> with : named.equals(all) ? List.of(all) : List.of(named, all)) {
            List<String> files = new ArrayList<>(with);
            files.addAll(sources);
            FixDecider.Decided joined = decider.decide(new Fix(id, files, cut.patch(files)));
            // A join that compiles has its answer: more headers would not lift a refusal.
            if (joined.kind() == FixDecider.Kind.DECIDED) {
                FixStatus s = joined.decision().status();
                return s == FixStatus.LIVE_PATCHED || s == FixStatus.NEEDS_REBOOT ? joined.decision() : null;
            }
        }
        return null;
    }

    private void record(FixDecision d, Set<String> covered, List<FixDecision> out, Progress progress) {
        progress.done++;
        // Fixes decided as one (their changes meet in an object) share one decision: it is listed once.
        if (out.stream().anyMatch(x -> x.id().equals(d.id()))) return;
        if (d.status() == FixStatus.LIVE_PATCHED) covered.addAll(d.files());
        out.add(d);
        listener.decided(progress.done, progress.total, d, progress.eta());
    }

    /** Counts and pace of the decisions, for the progress bar's ETA. */
    private static final class Progress {
        final long start = System.nanoTime();
        int total, done;
        long builtNanos;
        int timed;

        Progress(int total) {
            this.total = total;
        }

        /** {@code fixes} more were decided in {@code nanos} (a batch's are all timed at once, before their lines). */
        void built(long nanos, int fixes) {
            builtNanos += nanos;
            timed += fixes;
        }

        /** Seconds the rest should take at the pace so far; negative before anything was timed. */
        double eta() {
            return timed == 0 ? -1 : builtNanos / 1e9 / timed * Math.max(0, total - timed);
        }
    }

}
