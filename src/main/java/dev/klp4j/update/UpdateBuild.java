package dev.klp4j.update;

import dev.klp4j.base.Failure;
import dev.klp4j.base.WorkDir;
import dev.klp4j.debian.DebianSuite;
import dev.klp4j.debian.DebianVersion;
import dev.klp4j.debian.SourcePackages;
import dev.klp4j.debian.SuiteArchive;
import dev.klp4j.debian.TargetPackages;
import dev.klp4j.debian.TargetResolver;
import dev.klp4j.kbuild.IncludeGraph;
import dev.klp4j.kbuild.SourceTreeCache;
import dev.klp4j.kernel.KernelConfig;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.kernel.KernelTree;
import dev.klp4j.pipeline.BuildOptions;
import dev.klp4j.pipeline.BuildOutcome;
import dev.klp4j.pipeline.BuildPipeline;
import dev.klp4j.pipeline.BuildResult;
import dev.klp4j.pipeline.ObjectReport;
import dev.klp4j.source.DebianChangelog;
import dev.klp4j.vm.GuestReport;
import dev.klp4j.vm.VmHarness;
import dev.klp4j.vm.VmProof;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code klp4j update} for one release, as a short list of stages: target -> versions -> cut ->
 * decide every fix (as {@code klp4j build} would build it alone) -> changelog -> one module of
 * every live-patched fix (each object compiled once, with all its fixes) -> proof -> update.json.
 * What each fix became is a {@link FixDecision}; a {@code Failure} means the update could not go on
 * and nothing was written.
 */
public final class UpdateBuild {
    private final UpdateOptions o;
    private final UpdateListener listener;
    private final long start = System.nanoTime();

    public UpdateBuild(UpdateOptions options, UpdateListener listener) {
        this.o = options;
        this.listener = listener;
    }

    public UpdateResult run() {
        KernelTarget target = step("target", () -> TargetResolver.cached(o.release, o.cacheRoot).progress(p -> listener.progress("target", p))
                .resolve(), t -> t.release() + " (source " + t.sourceVersion() + ")");
        if (target.sourceVersion() == null || target.sourceTarball() == null) {
            throw new Failure(Failure.Kind.INPUT, "kernel " + target.release() + " is not from Debian's packages: its source version"
                    + " is unknown, so klp4j update cannot tell which fixes it lacks (use klp4j build with each patch)");
        }
        DebianSuite suite = DebianSuite.ofRelease(target.release()).orElseThrow(() -> new Failure(Failure.Kind.INPUT,
                "kernel " + target.release() + " is of no Debian suite klp4j knows (bookworm, trixie): nothing to update it from"));
        SuiteArchive archive = new TargetPackages(o.cacheRoot).archive(suite);
        String pkg = "linux-source-" + series(target.release());
        String from = target.sourceVersion();
        String to = step("versions", () -> toVersion(archive, pkg, from), v -> from + " -> " + v);
        Path out = o.outDir.resolve(target.release());
        if (DebianVersion.compare(to, from) <= 0) return result(target, from, to, null, null, List.of(), List.of());

        SourcePackages sources = new TargetPackages(o.cacheRoot).sources(suite);
        UpdateCut cut = step("cut", () -> {
            Path toTarball = sources.fetch(pkg, to, p -> listener.progress("cut", p));
            return UpdateCut.of(o.cacheRoot, pkg, from, target.sourceTarball(), to, toTarball, p -> listener.progress("cut", p));
        }, c -> c.changes().changed().size() + " changed, " + c.changes().added().size() + " added, "
                + c.changes().removed().size() + " removed file(s)");
        FixCutter.Cut fixes = FixCutter.cut(cut, configSets(target.config()));
        List<FixDecision> decided = new FixRounds(o, listener).decideAll(target.release(), cut, fixes);
        List<DebianChangelog.Item> items = step("changelog", () -> changelog(sources.changelog(pkg, to, p -> listener.progress("changelog", p)),
                from, to), i -> i.size() + " item(s) between " + from + " and " + to);
        List<FixDecision> attributed = ChangelogMatch.apply(items, decided, f -> cut.changedFunctions(f.files()));
        Set<String> attributedCves = new LinkedHashSet<>();
        attributed.forEach(f -> attributedCves.addAll(f.cves()));
        List<String> unattributed = items.stream().flatMap(i -> i.cves().stream()).filter(c -> !attributedCves.contains(c)).distinct().toList();

        List<FixDecision> live = attributed.stream().filter(f -> f.status() == FixStatus.LIVE_PATCHED).toList();
        BuildResult built = null;
        while (!live.isEmpty()) {
            List<FixDecision> together = live;
            BuildResult r = step("module", () -> combine(target.release(), cut, together, to, out),
                    x -> x.outcome() == BuildOutcome.BUILT ? x.module() : "refused: " + FixDecider.oneLine(x.reason()));
            if (r.outcome() == BuildOutcome.BUILT) {
                built = r;
                break;
            }
            // Each fix built alone; together one is refused (another's header changes its object):
            // that fix needs a reboot, with the reason, and the rest are combined again.
            // ...or one whose header an object of the refusal includes (that object is in the module as its user).
            Set<String> named = blamed(r.reason(), together);
            Path tree = new SourceTreeCache(SourceTreeCache.dirFor(o.cacheRoot, target), target, o.jobs).tree();
            Set<String> blamed = !named.isEmpty() ? named : includersBlamed(r.reason(), together, h -> IncludeGraph.of(tree).mentioning(h));
            if (blamed.isEmpty()) {
                throw new Failure(Failure.Kind.FAILED, "the live-patched fixes do not build together (" + r.outcome() + "): "
                        + FixDecider.oneLine(r.reason()));
            }
            String why = "live patched alone, but refused with the update's other live-patched fixes: " + FixDecider.oneLine(r.reason());
            attributed = attributed.stream().map(f -> blamed.contains(f.id()) ? f.withStatus(FixStatus.NEEDS_REBOOT, why) : f).toList();
            for (String id : blamed) listener.note("  " + id + ": taken out of the module (" + why + ")");
            live = attributed.stream().filter(f -> f.status() == FixStatus.LIVE_PATCHED).toList();
        }
        if (built == null) return result(target, from, to, null, null, attributed, unattributed);
        Path module = Path.of(built.module());
        if (!o.prove) return result(target, from, to, module, null, attributed, unattributed);
        VmHarness.Outcome proof = prove(target.release(), module, out, built.objects().stream().map(ObjectReport::owner).distinct().toList());
        return result(target, from, to, module, proof, attributed, unattributed);
    }

    private UpdateResult result(KernelTarget target, String from, String to, Path module, VmHarness.Outcome proof, List<FixDecision> fixes,
                                List<String> unattributed) {
        // What the proof could not check (a module this VM cannot load) is said beside "proven".
        String unchecked = proof == null ? null : proof.report().phases().stream().filter(p -> p.name().equals("check-loaded"))
                .map(GuestReport.Phase::detail).filter(d -> d.contains("not loadable in this VM")).findFirst()
                .map(d -> d.substring(d.indexOf("not loadable in this VM"))).orElse(null);
        return new UpdateResult(target.release(), from, to, module == null ? null : module.toString(),
                proof == null ? ProofStatus.NOT_RUN : proof.passed() ? ProofStatus.PASSED : ProofStatus.FAILED,
                unchecked, fixes, unattributed,
                (System.nanoTime() - start) / 1e9, module != null && dev.klp4j.kernel.ModuleExit.permanent(module));
    }

    private static List<DebianChangelog.Item> changelog(Path gz, String from, String to) {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            return DebianChangelog.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8)).between(from, to, DebianVersion.ORDER);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot read " + gz + ": " + e.getMessage());
        }
    }

    /** An object a refusal names ("net/ipv6/route.o:"), and a header path ("include/linux/srcu.h"). */
    private static final Pattern OBJECT = Pattern.compile("([\\w./+-]+)\\.o:"),
            HEADER = Pattern.compile("(?<![\\w./+-])([\\w+-][\\w./+-]*/[\\w.+-]+\\.h)\\b");

    /**
     * The fixes a refusal of the combined module names: those whose C file is the source of an
     * object the reason names ("net/ipv6/route.o: ip6_route_init: ..."), and those that carry a
     * header the reason names ("unsafe type-layout include/linux/srcu.h struct ...": alone it was
     * judged with its own users, together with the others'). None: the refusal is not one fix's,
     * and the update cannot tell which to take out.
     */
    static Set<String> blamed(String reason, List<FixDecision> live) {
        Set<String> sources = new LinkedHashSet<>();
        Matcher m = OBJECT.matcher(String.valueOf(reason));
        while (m.find()) sources.add(m.group(1) + ".c");
        Matcher h = HEADER.matcher(String.valueOf(reason));
        while (h.find()) sources.add(h.group(1));
        Set<String> out = new LinkedHashSet<>();
        for (FixDecision f : live) if (f.files().stream().anyMatch(sources::contains)) out.add(f.id());
        return out;
    }

    /**
     * The fixes a refusal names through an object no fix's C file makes: an object in the module
     * only because it includes a fix's changed header (a header user), refused there. Those whose
     * headers its source includes, directly or not ({@code includers}: header -> the .c files that
     * include it), are taken out; none when the reason names no object.
     */
    static Set<String> includersBlamed(String reason, List<FixDecision> live, Function<String, Set<String>> includers) {
        Set<String> sources = new LinkedHashSet<>();
        Matcher m = OBJECT.matcher(String.valueOf(reason));
        while (m.find()) sources.add(m.group(1) + ".c");
        Set<String> out = new LinkedHashSet<>();
        if (sources.isEmpty()) return out;
        for (FixDecision f : live) {
            for (String file : f.files()) {
                if (file.endsWith(".h") && includers.apply(file).stream().anyMatch(sources::contains)) out.add(f.id());
            }
        }
        return out;
    }

    /** One replace-mode module of every live-patched fix, written to {@code out}; an object with several fixes is compiled once. */
    private BuildResult combine(String release, UpdateCut cut, List<FixDecision> live, String to, Path out) {
        Set<String> files = new LinkedHashSet<>();
        for (FixDecision f : live) for (String file : f.files()) if (file.endsWith(".h")) files.add(file);
        for (FixDecision f : live) files.addAll(f.files());
        try (WorkDir work = WorkDir.create("klp4j-update-")) {
            Path patch = work.path().resolve(UpdateOptions.moduleName(to) + ".patch");
            Files.writeString(patch, cut.patch(new ArrayList<>(files)));
            BuildOptions b = new BuildOptions();
            b.patch = patch;
            b.release = release;
            b.name = UpdateOptions.moduleName(to);
            b.outDir = out;
            b.jobs = o.jobs;
            b.cacheRoot = o.cacheRoot;
            b.cluster = o.cluster;
            b.replace = true;
            return BuildPipeline.of(b, new NestedSteps(listener, "module")).run();
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot write the update's patch: " + e.getMessage());
        }
    }

    /** Boots the release, loads an earlier update of DIR/RELEASE first (the new one must replace it), then proves the new one. */
    private VmHarness.Outcome prove(String release, Path module, Path out, List<String> objects) {
        List<Path> earlier = new ArrayList<>();
        try (Stream<Path> s = Files.list(out)) {
            s.filter(p -> p.getFileName().toString().matches("klp4j_update_.*\\.ko") && !p.equals(module))
                    .max(Comparator.comparing(p -> p.toFile().lastModified())).ifPresent(earlier::add);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot list " + out + ": " + e.getMessage());
        }
        KernelTree kernel = KernelTree.of(release, new TargetPackages(o.cacheRoot).rootFor(release, Path.of("/"),
                p -> listener.progress("prove", p))).requireBootable();
        String name = module.getFileName().toString().replaceFirst("\\.ko$", "");
        VmHarness.Outcome r = step("prove", () -> VmProof.prove(kernel, earlier, module, name, objects, true, 600, o.guestRuntime,
                listener::proofPhase), x -> (x.passed() ? "PASS" : "FAIL") + (earlier.isEmpty() ? "" : ", replacing " + earlier.get(0).getFileName())
                + (x.serialLog() == null ? "" : "; serial log: " + x.serialLog()));
        if (!r.passed()) {
            // what the kernel said (an insmod's EINVAL has its reason only there): the lines about the patch or a failure
            List<String> said = r.report().dmesg().stream().filter(l -> l.contains(name) || l.matches(".*(?i)(fail|error|invalid|unknown symbol).*"))
                    .filter(l -> !l.contains("Invalid ELF header magic")).toList();
            for (String l : said.subList(Math.max(0, said.size() - 20), said.size())) listener.note("  guest: " + l.strip());
        }
        return r;
    }

    private String toVersion(SuiteArchive archive, String pkg, String from) {
        List<String> versions = new ArrayList<>(archive.versions(pkg));
        versions.sort(DebianVersion.ORDER.reversed());
        if (versions.isEmpty()) {
            throw new Failure(Failure.Kind.TOOL, archive.suite() + "'s archive has no " + pkg + ": cannot fetch the newer source");
        }
        if (o.to == null) return versions.get(0);
        if (!versions.contains(o.to)) {
            throw new Failure(Failure.Kind.INPUT, "--to " + o.to + ": " + archive.suite() + "'s archive has no " + pkg + " " + o.to
                    + " (it has " + String.join(", ", versions) + ")");
        }
        return o.to;
    }

    static String series(String release) {
        Matcher m = Pattern.compile("^(\\d+\\.\\d+)").matcher(release);
        if (!m.find()) throw new Failure(Failure.Kind.INPUT, "'" + release + "' does not look like a kernel release (e.g. 6.1.0-56-amd64)");
        return m.group(1);
    }

    private <T> T step(String name, Supplier<T> body, Function<T, String> detail) {
        return listener.timed(name, body, detail);
    }

    /** The symbols a kernel config sets (=y or =m); every one without a config (nothing is then called not built). */
    static Predicate<String> configSets(Path config) {
        return KernelConfig.read(config).<Predicate<String>>map(c -> c::sets).orElse(symbol -> true);
    }
}
