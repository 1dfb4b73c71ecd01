package dev.klp4j.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.HeaderReach;
import dev.klp4j.kbuild.ObjectOwner;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.klp.LivepatchModule;
import dev.klp4j.review.Finding;
import dev.klp4j.review.ReviewReport;
import dev.klp4j.review.Rule;
import dev.klp4j.review.Severity;
import dev.klp4j.source.PatchHunks;
import dev.klp4j.source.SourceHunk;
import dev.klp4j.source.UnifiedDiff;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pipeline's decisions, with every stage faked: which steps run, which outcome wins when several
 * apply, and that the tree and the applied patch are given back whatever happens. The patch objects
 * are real (the shared corpus's new-function pair through the real differ); the hunks are cut from
 * real C text by PatchHunks.
 */
class BuildPipelineTest {
    static final Path CORPUS = Path.of("../shared/kpatch-unit-objs/x86_64");
    static final String C_BEFORE = "static int f(int a)\n{\n\treturn a;\n}\n";
    static final String C_AFTER = "static int f(int a)\n{\n\treturn a + 1;\n}\n";
    static final String INIT_BEFORE = "static int __init setup(void)\n{\n\treturn 0;\n}\n";
    static final String INIT_AFTER = "static int __init setup(void)\n{\n\treturn 1;\n}\n";

    FakeStages stages;
    BuildOptions options;
    List<String> notes;

    @BeforeEach
    void setUp() {
        stages = new FakeStages();
        options = new BuildOptions();
        options.patch = Path.of("fix.patch");
        notes = new ArrayList<>();
    }

    BuildResult run() {
        StepListener listener = new StepListener() {
            @Override public void started(String step) { stages.calls.add("start " + step); }
            @Override public void progress(String step, String message) { }
            @Override public void finished(Step step) { }
            @Override public void note(String line) { notes.add(line); }
        };
        return new BuildPipeline(options, stages, listener).run();
    }

    static List<String> stepNames(BuildResult r) {
        return r.steps().stream().map(Step::name).toList();
    }

    @Test
    void aChangedFunctionIsBuiltThroughEveryStepInOrder() {
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.BUILT);
        assertThat(r.reason()).isNull();
        assertThat(r.module()).isEqualTo("out/klp4j_fix.ko");
        assertThat(stepNames(r)).containsExactly("target", "source tree", "check patch", "changed objects", "compile original",
                "apply patch", "compile patched", "owners", "entry sizes", "diff", "review", "resolve symbols", "module");
        assertThat(r.objects()).singleElement().satisfies(o -> {
            assertThat(o.object()).isEqualTo("drivers/tty/n_tty.o");
            assertThat(o.added()).containsExactly("kpatch_n_tty_write");
            assertThat(o.klpSymbols()).containsExactly(".klp.sym.vmlinux.x,1");
        });
        // The patched objects compile while the patch is applied, and it is taken out before the owners step.
        assertThat(stages.calls).containsSubsequence("applyPatch", "compilePatched", "revert", "owners");
        assertThat(stages.released).isTrue();
    }

    @Test
    void codeNoLivePatchCanChangeIsRefusedFromTheSourceWithoutCompiling() {
        stages.hunks = PatchHunks.of("init/main.c", INIT_BEFORE, INIT_AFTER);
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(r.reason()).startsWith("the patch cannot be live patched (klp4j review, from the source alone)")
                .contains("setup").contains("--accept not-patchable");
        assertThat(stepNames(r)).containsExactly("target", "source tree", "check patch", "changed objects", "review");
        assertThat(r.steps().get(4).detail()).contains("nothing compiled");
        assertThat(stages.released).isTrue();
    }

    @Test
    void aFileThisConfigDoesNotBuildIsNotBuiltRatherThanRefusedFromTheSource() {
        // The Debian 12 range's ARM clocksource fixes (timer-sun4i.c, an __init change) were
        // refused as needing a reboot although amd64 never builds them.
        stages.hunks = PatchHunks.of("drivers/clocksource/timer-sun4i.c", INIT_BEFORE, INIT_AFTER);
        stages.notBuilt = "drivers/clocksource/timer-sun4i.c: not built by this kernel's config";
        assertThatThrownBy(this::run).isInstanceOf(Failure.class).hasMessageContaining("not built by this kernel's config");
        assertThat(stages.calls).doesNotContain("compileOriginal");
        assertThat(stages.released).isTrue();
    }

    @Test
    void reviewOnlyReportsWhatTheSourceDecidedInsteadOfRefusing() {
        stages.hunks = PatchHunks.of("init/main.c", INIT_BEFORE, INIT_AFTER);
        options.stop = BuildOptions.Stop.REVIEW;
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REVIEWED);
        assertThat(r.review().verdict()).isEqualTo(ReviewReport.Verdict.UNSAFE);
        assertThat(r.reason()).isNull();
    }

    @Test
    void acceptingNotPatchableCompilesAnyway() {
        stages.hunks = PatchHunks.of("init/main.c", INIT_BEFORE, INIT_AFTER);
        options.accept = Set.of(Rule.NOT_PATCHABLE);
        assertThat(stepNames(run())).contains("compile original", "diff");
    }

    @Test
    void theDiffersRefusalWinsOverAnUnsafeReviewFinding() {
        stages.diffs = Map.of("drivers/tty/n_tty.o", refused("n_tty_init: __init code changed"));
        stages.findings = List.of(unsafe(Rule.TYPE_LAYOUT, "struct tty changes size"));
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(r.reason()).isEqualTo("the patch cannot be live patched:\n  drivers/tty/n_tty.o: n_tty_init: __init code changed");
        assertThat(stepNames(r)).endsWith("review").doesNotContain("resolve symbols");
        assertThat(notes).anyMatch(n -> n.contains("struct tty changes size"));
    }

    @Test
    void anUnsafeFindingRefusesUnlessItsRuleIsAccepted() {
        stages.findings = List.of(unsafe(Rule.TYPE_LAYOUT, "struct tty changes size"));
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(r.reason()).startsWith("the patch cannot be live patched safely (klp4j review)")
                .contains("what to do: use a shadow variable").endsWith("(once you have checked, --accept type-layout builds it anyway)");

        setUp();
        stages.findings = List.of(unsafe(Rule.TYPE_LAYOUT, "struct tty changes size"));
        options.accept = Set.of(Rule.TYPE_LAYOUT);
        assertThat(run().outcome()).isEqualTo(BuildOutcome.BUILT);
    }

    @Test
    void aFindingThatNeedsCareIsShownButDoesNotStopTheBuild() {
        stages.findings = List.of(new Finding(Rule.DATA_SEMANTICS, Severity.NEEDS_CARE, "drivers/tty/n_tty.c", "f", null, "adds a mutex_lock", "check it"));
        assertThat(run().outcome()).isEqualTo(BuildOutcome.BUILT);
        assertThat(notes).anyMatch(n -> n.contains("adds a mutex_lock"));
    }

    @Test
    void noFunctionChangedIsNoChangeAfterTheReview() {
        stages.diffs = Map.of("drivers/tty/n_tty.o", noChange());
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.NO_CHANGE);
        assertThat(r.reason()).startsWith("no patchable change: the patch changes no function's code");
        assertThat(r.review()).isNotNull();
        assertThat(stepNames(r)).endsWith("review");
    }

    @Test
    void aPatchThatOnlyAddsFunctionsNothingCallsIsNoChange() {
        // altinstr_aux adds the global dummy_function and changes nothing: alone, as the differ's
        // only object, it would make a module that redirects nothing (6.1.190's trace_events.c rename).
        stages.diffs = Map.of("arch/x86/kernel/x.o", patch("altinstr_aux"));
        assertThat(stages.diffs.get("arch/x86/kernel/x.o").result().changed()).isEmpty();
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.NO_CHANGE);
        assertThat(r.reason()).contains("only adds code nothing in the running kernel calls (dummy_function)");
        assertThat(r.module()).isNull();
        assertThat(stepNames(r)).endsWith("review");

        // With an object whose changed function the patch redirects, the new function is that one's helper.
        Map<String, ObjectDiffer.Outcome> both = new LinkedHashMap<>();
        both.put("arch/x86/kernel/x.o", patch("altinstr_aux"));
        both.put("drivers/tty/n_tty.o", patch());
        setUp();
        stages.diffs = both;
        assertThat(run().outcome()).isEqualTo(BuildOutcome.BUILT);
    }

    @Test
    void aHeaderNoObjectUsesIsNoChangeBeforeAnyCompile() {
        stages.changes = new ChangedObjects.Changes(List.of(), List.of("include/linux/x.h"), List.of("a.o", "b.o"), Map.of());
        stages.headerUsers = List.of();
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.NO_CHANGE);
        assertThat(r.reason()).contains("the patched headers change no object's preprocessed code");
        assertThat(stepNames(r)).endsWith("changed objects", "header users").doesNotContain("compile original");
    }

    @Test
    void aPatchedSourceCompilesBeforeItsHeadersUsersAreSought() {
        stages.changes = new ChangedObjects.Changes(List.of("drivers/tty/n_tty.o"), List.of("include/linux/x.h"), List.of("a.o"), Map.of());
        stages.headerUsers = List.of("drivers/tty/n_tty.o", "a.o");
        stages.failAt = "compileSources";
        assertThatThrownBy(this::run).isInstanceOf(Failure.class).hasMessageContaining("compileSources failed");
        assertThat(stages.calls).doesNotContain("headerUsers");
        assertThat(stages.released).isTrue();
    }

    @Test
    void aStructOfAWidelyIncludedHeaderIsRefusedFromTheSource() {
        stages.changes = new ChangedObjects.Changes(List.of(), List.of("include/linux/wide.h"),
                java.util.Collections.nCopies(BuildPipeline.WIDE_HEADER + 1, "x.o"), Map.of());
        stages.hunks = List.of(new SourceHunk("include/linux/wide.h", 10, SourceHunk.Scope.TYPE, "wide", "struct wide {",
                List.of("\tint a;"), List.of("\tint a;", "\tint b;")));
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(r.reason()).contains("struct wide changes its members (adds").contains("--accept type-layout");
        assertThat(stepNames(r)).endsWith("changed objects", "review").doesNotContain("header users");

        setUp();
        stages.changes = new ChangedObjects.Changes(List.of(), List.of("include/linux/wide.h"),
                java.util.Collections.nCopies(BuildPipeline.WIDE_HEADER + 1, "x.o"), Map.of());
        stages.headerUsers = List.of("x.o");
        options.accept = Set.of(Rule.TYPE_LAYOUT);
        assertThat(stepNames(run())).contains("header users", "compile original");

        // An update's one module: a driver's own header (a dozen includers) with a struct change,
        // beside a wide header: the driver's users are compiled and compared, not judged from the text.
        setUp();
        stages.changes = new ChangedObjects.Changes(List.of(), List.of("drivers/net/x/hwif.h", "include/linux/wide.h"),
                java.util.Collections.nCopies(BuildPipeline.WIDE_HEADER + 1, "x.o"), Map.of(),
                Map.of("drivers/net/x/hwif.h", 12, "include/linux/wide.h", BuildPipeline.WIDE_HEADER + 1));
        stages.hunks = List.of(new SourceHunk("drivers/net/x/hwif.h", 10, SourceHunk.Scope.TYPE, "x_ops", "struct x_ops {",
                List.of(), List.of("\tint (*reset)(void *priv);")));
        stages.headerUsers = List.of("x.o");
        assertThat(stepNames(run())).contains("header users", "compile original");
    }

    @Test
    void pastTheBoundOnPreprocessingTheHeaderUsersTheChangeIsNotDecidedAndNothingCompiles() {
        stages.changes = new ChangedObjects.Changes(List.of(), List.of("include/linux/narrowish.h"), java.util.Collections.nCopies(51, "x.o"), Map.of());
        stages.headerUsers = List.of("x.o");
        options.maxPreprocessed = 50;
        stages.limit = 50;
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(r.reason()).startsWith("not decided: telling which objects the patched headers change would preprocess 51 files, more than"
                + " the 50 this build preprocesses (x.h: code reaches wide through other types without naming it)");
        assertThat(stepNames(r)).endsWith("changed objects", "header users").doesNotContain("compile original");
    }

    @Test
    void linkStopsBeforeTheModuleWithTheObjectsItWouldCarry() {
        options.stop = BuildOptions.Stop.LINK;
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.LINKED);
        assertThat(r.module()).isNull();
        assertThat(r.objects()).isNotEmpty();
        assertThat(stepNames(r)).endsWith("resolve symbols").doesNotContain("module");
    }

    @Test
    void compileOnlyStopsAfterTheOwners() {
        options.stop = BuildOptions.Stop.COMPILE;
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.COMPILED);
        assertThat(r.review()).isNull();
        assertThat(stepNames(r)).endsWith("compile patched", "owners");
    }

    @Test
    void aTableTheLoaderReadsTooEarlyRefusesAfterLinking() {
        stages.linkRefusals = List.of("__jump_table: static key foo of module xfs");
        BuildResult r = run();
        assertThat(r.outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(r.reason()).isEqualTo("the patch cannot be live patched:\n  drivers/tty/n_tty.o: __jump_table: static key foo of module xfs");
        assertThat(stepNames(r)).endsWith("resolve symbols").doesNotContain("module");
    }

    @Test
    void aFailingStepIsReportedAsFailedAndEverythingIsGivenBack() {
        stages.failAt = "compilePatched";
        List<Step> finished = new ArrayList<>();
        StepListener listener = new StepListener() {
            @Override public void started(String step) { }
            @Override public void progress(String step, String message) { }
            @Override public void finished(Step step) { finished.add(step); }
            @Override public void note(String line) { }
        };
        assertThatThrownBy(() -> new BuildPipeline(options, stages, listener).run()).isInstanceOf(Failure.class);
        assertThat(finished).last().satisfies(s -> {
            assertThat(s.name()).isEqualTo("compile patched");
            assertThat(s.failed()).isTrue();
        });
        assertThat(stages.calls).containsSubsequence("applyPatch", "compilePatched", "revert");
        assertThat(stages.released).isTrue();
    }

    static Finding unsafe(Rule rule, String message) {
        return new Finding(rule, Severity.UNSAFE, "drivers/tty/n_tty.c", null, null, message, "use a shadow variable");
    }

    static ObjectDiffer.Outcome refused(String reason) {
        return new ObjectDiffer.Outcome(new DiffResult(DiffResult.Outcome.REFUSED, List.of(), List.of(), List.of(), Map.of(), List.of(reason), null), Set.of());
    }

    static ObjectDiffer.Outcome noChange() {
        return new ObjectDiffer.Outcome(new DiffResult(DiffResult.Outcome.NO_CHANGE, List.of(), List.of(), List.of(), Map.of(), List.of(), null), Set.of());
    }

    /** A real patch object: the corpus's new-function pair through the real differ. */
    static ObjectDiffer.Outcome patch() {
        return patch("new-function");
    }

    static ObjectDiffer.Outcome patch(String corpusCase) {
        try {
            DiffResult r = Differ.diff(ElfReader.read(CORPUS.resolve(corpusCase + ".ORIG.o")), ElfReader.read(CORPUS.resolve(corpusCase + ".PATCHED.o")),
                    DiffOptions.defaults().withObjectName("vmlinux"));
            assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
            return new ObjectDiffer.Outcome(r, Set.of());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Stages that answer what each test sets, and log the calls. */
    static class FakeStages implements Stages {
        final List<String> calls = new ArrayList<>();
        List<SourceHunk> hunks = PatchHunks.of("drivers/tty/n_tty.c", C_BEFORE, C_AFTER);
        ChangedObjects.Changes changes = new ChangedObjects.Changes(List.of("drivers/tty/n_tty.o"), List.of(), List.of(), Map.of());
        List<String> headerUsers = List.of();
        /** Objects past which the fake's header users are "not decided" (the kernel stages' limit, taken as given). */
        int limit = Integer.MAX_VALUE;
        String notBuilt;
        Map<String, ObjectDiffer.Outcome> diffs;
        List<Finding> findings = List.of();
        List<String> linkRefusals = List.of();
        String failAt;
        boolean released;

        private void call(String name) {
            calls.add(name);
            if (name.equals(failAt)) throw new Failure(Failure.Kind.TOOL, name + " failed");
        }

        @Override
        public KernelTarget target() {
            call("target");
            return new KernelTarget("6.1.0-99-amd64", null, Path.of("/src"), Path.of("/boot/config"), Path.of("/boot/map"), Path.of("/boot/vmlinuz"),
                    false, Path.of("/kbuild/Module.symvers"), Path.of("/kbuild"), Path.of("/lib/modules/x"), null, null, Toolchain.HOST, List.of());
        }

        @Override
        public PreparedTree prepare(KernelTarget target) {
            call("prepare");
            return new PreparedTree(Path.of("/tree"), false, () -> released = true);
        }

        @Override
        public PatchedSource readPatch() {
            call("readPatch");
            List<UnifiedDiff.FilePatch> files = new ArrayList<>();
            return new PatchedSource(new UnifiedDiff(files), hunks, Map.of());
        }

        @Override
        public ChangedObjects.Changes changedObjects(PatchedSource patch) {
            call("changedObjects");
            if (notBuilt != null) throw new Failure(notBuilt);
            return changes;
        }

        @Override
        public void compileSources(ChangedObjects.Changes changes) {
            call("compileSources");
        }

        @Override
        public HeaderReach headerUsers(ChangedObjects.Changes changes) {
            call("headerUsers");
            if (changes.considered() > limit) {
                return new HeaderReach(changes.sources(), changes.considered(), true, "x.h: code reaches wide through other types without naming it");
            }
            return new HeaderReach(headerUsers, headerUsers.size(), false, "");
        }

        @Override
        public int compileOriginal(List<String> objects) {
            call("compileOriginal");
            return 0;
        }

        @Override
        public Applied applyPatch() {
            call("applyPatch");
            return () -> calls.add("revert");
        }

        @Override
        public Applied applyPatch(java.util.Collection<String> files) {
            call("applyPatch " + String.join(" ", new java.util.TreeSet<>(files)));
            return () -> calls.add("revert");
        }

        @Override
        public int compilePatched(List<String> objects) {
            call("compilePatched");
            return 0;
        }

        @Override
        public Map<String, ObjectOwner.Owner> owners(List<String> objects) {
            call("owners");
            Map<String, ObjectOwner.Owner> m = new LinkedHashMap<>();
            for (String o : objects) m.put(o, new ObjectOwner.Owner(ObjectOwner.VMLINUX, null));
            return m;
        }

        @Override
        public StructSizes entrySizes() {
            call("entrySizes");
            return StructSizes.defaults();
        }

        @Override
        public ObjectDiffs diff(List<String> objects, Map<String, ObjectOwner.Owner> owners, StructSizes sizes) {
            call("diff");
            if (diffs != null) return new ObjectDiffs(diffs);
            Map<String, ObjectDiffer.Outcome> m = new LinkedHashMap<>();
            for (String o : objects) m.put(o, patch());
            return new ObjectDiffs(m);
        }

        @Override
        public ReviewReport review(PatchedSource patch, List<String> objects, ObjectDiffs diffs) {
            call("review");
            return new ReviewReport(patch.hunks().size(), 1, findings);
        }

        @Override
        public LivepatchModule.Linked link(ObjectDiffs diffs, StructSizes sizes) {
            call("link");
            List<LivepatchModule.ObjectSymbols> objects = new ArrayList<>();
            List<String> refused = new ArrayList<>();
            for (String o : diffs.patches().keySet()) {
                objects.add(new LivepatchModule.ObjectSymbols(o, "vmlinux", List.of(".klp.sym.vmlinux.x,1")));
                linkRefusals.forEach(r -> refused.add(o + ": " + r));
            }
            return new LivepatchModule.Linked(objects, List.of(), refused, dir -> dir.resolve("m.ko"));
        }

        @Override
        public Path writeModule(LivepatchModule.Linked linked) {
            call("writeModule");
            return Path.of("out/klp4j_fix.ko");
        }
    }
}
