package dev.klp4j.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.base.Failure;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.HeaderReach;
import dev.klp4j.source.PatchHunks;
import dev.klp4j.source.SourceHunk;
import dev.klp4j.source.UnifiedDiff;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A batch of one-file fixes, every stage faked: each fix ends as it would alone, a fix that does
 * not compile with the batch is taken out and the rest compiled again, and nothing is compiled for
 * what the source decides or kbuild does not build.
 */
class BatchPipelineTest {
    /** a.c changes a function, b.c does not compile, c.c changes __init code, d.c is not built. */
    static class Batch extends BuildPipelineTest.FakeStages {
        final List<List<String>> patchedCompiles = new ArrayList<>();
        List<String> diffed;
        String error = "b.c:3:9: error: 'x' undeclared";

        @Override
        public PatchedSource readPatch() {
            List<SourceHunk> hunks = new ArrayList<>();
            List<UnifiedDiff.FilePatch> files = new ArrayList<>();
            for (String f : List.of("a.c", "b.c", "c.c", "d.c")) {
                files.add(new UnifiedDiff.FilePatch(f, false, false, List.of("@@ -1 +1 @@")));
                hunks.addAll(f.equals("c.c") ? PatchHunks.of(f, BuildPipelineTest.INIT_BEFORE, BuildPipelineTest.INIT_AFTER)
                        : PatchHunks.of(f, BuildPipelineTest.C_BEFORE, BuildPipelineTest.C_AFTER));
            }
            return new PatchedSource(new UnifiedDiff(files), hunks, Map.of());
        }

        @Override
        public ChangedObjects.Changes changedObjects(PatchedSource patch) {
            List<String> objects = new ArrayList<>();
            for (UnifiedDiff.FilePatch f : patch.diff().files()) {
                if (f.path().equals("d.c")) throw new Failure("d.c: not built by this kernel's config (kbuild does not build d.o)");
                objects.add(f.path().replace(".c", ".o"));
            }
            return new ChangedObjects.Changes(objects, List.of(), List.of(), Map.of());
        }

        @Override
        public int compilePatched(List<String> objects) {
            patchedCompiles.add(List.copyOf(objects));
            if (objects.contains("b.o")) throw new Failure(Failure.Kind.TOOL, "compiling " + String.join(" ", objects) + " failed:\n" + error);
            return 0;
        }

        @Override
        public ObjectDiffs diff(List<String> objects, Map<String, dev.klp4j.kbuild.ObjectOwner.Owner> owners, dev.klp4j.diff.StructSizes sizes) {
            diffed = List.copyOf(objects);
            return super.diff(objects, owners, sizes);
        }
    }

    /** A listener that keeps only the progress lines, as "step: message". */
    static StepListener progressInto(List<String> lines) {
        return new StepListener() {
            @Override public void started(String step) { }
            @Override public void progress(String step, String message) { lines.add(step + ": " + message); }
            @Override public void finished(Step step) { }
            @Override public void note(String line) { }
        };
    }

    static Map<String, BatchPipeline.Outcome> run(Batch stages) {
        return run(stages, "a.c", "b.c", "c.c", "d.c");
    }

    /** A batch of one fix per file, each file its own fix, as klp4j update makes them. */
    static Map<String, BatchPipeline.Outcome> run(Stages stages, String... files) {
        BuildOptions o = new BuildOptions();
        o.patch = Path.of("batch.patch");
        o.stop = BuildOptions.Stop.LINK;
        o.maxPreprocessed = BuildPipeline.WIDE_HEADER;
        Map<String, List<String>> fixes = new LinkedHashMap<>();
        for (String f : files) fixes.put(f, List.of(f));
        return new BatchPipeline(o, fixes, stages, StepListener.SILENT).run();
    }

    @Test
    void aFixIsToldFromMakesErrorLineForItsObjectOrByCompilingEachAlone() {
        Batch header = new Batch();
        header.error = "include/linux/x.h:4:1: error: unknown type name\nmake[4]: *** [scripts/Makefile.build:229: b.o] Error 1";
        Map<String, BatchPipeline.Outcome> out = run(header);
        assertThat(out.get("b.c").failedStep()).isEqualTo("compile patched");
        assertThat(out.get("a.c").result().outcome()).isEqualTo(BuildOutcome.LINKED);
        // named by make's line only: its own compile gives its own error
        assertThat(header.patchedCompiles).containsExactly(List.of("a.o", "b.o"), List.of("b.o"), List.of("a.o"));
        assertThat(out.get("b.c").failure().getMessage()).isEqualTo("compiling b.o failed:\n" + header.error);

        Batch unnamed = new Batch();
        unnamed.error = "ld: final link failed";
        out = run(unnamed);
        assertThat(out.get("b.c").failure().getMessage()).isEqualTo("compiling b.o failed:\nld: final link failed");
        assertThat(out.get("a.c").result().outcome()).isEqualTo(BuildOutcome.LINKED);
        assertThat(unnamed.patchedCompiles).containsExactly(List.of("a.o", "b.o"), List.of("a.o"), List.of("b.o"), List.of("a.o"));
    }

    @Test
    void aFixCompiledAloneSeesOnlyItsOwnChangesNotAnotherFixsBrokenHeader() {
        // 6.1.190: route.h (b.c here) calls what only a refused dst.h adds; a.o includes it too,
        // and make names a.o as well. Alone, a.c compiles: it must not be refused with b.c's error.
        List<String> applied = new ArrayList<>();
        Batch shared = new Batch() {
            @Override
            public Applied applyPatch(java.util.Collection<String> files) {
                applied.clear();
                applied.addAll(files);
                return super.applyPatch(files);
            }

            @Override
            public int compilePatched(List<String> objects) {
                patchedCompiles.add(List.copyOf(objects));
                if (applied.contains("b.c") && (objects.contains("a.o") || objects.contains("b.o"))) {
                    throw new Failure(Failure.Kind.TOOL, "compiling " + String.join(" ", objects) + " failed:\n"
                            + "b.c:3:9: error: implicit declaration of function 'dst_dev'\n"
                            + "make[4]: *** [scripts/Makefile.build:229: a.o] Error 1\nmake[4]: *** [scripts/Makefile.build:229: b.o] Error 1");
                }
                return 0;
            }
        };
        Map<String, BatchPipeline.Outcome> out = run(shared);
        assertThat(out.get("b.c").failedStep()).isEqualTo("compile patched");
        assertThat(out.get("a.c").failure()).isNull();
        assertThat(out.get("a.c").result().outcome()).isEqualTo(BuildOutcome.LINKED);
        assertThat(shared.calls).filteredOn(c -> c.startsWith("applyPatch")).containsExactly("applyPatch a.c b.c", "applyPatch a.c", "applyPatch a.c");
    }

    @Test
    void thePatchedObjectsSeeOnlyTheFixesStillCompared() {
        Batch stages = new Batch();
        run(stages);
        // c.c was decided from its source, d.c is not built, b.c does not compile: their changes
        // stay out of the tree when a.o is compiled again.
        assertThat(stages.calls).filteredOn(c -> c.startsWith("applyPatch")).containsExactly("applyPatch a.c b.c", "applyPatch a.c");
    }

    @Test
    void eachFixTakenOutIsGivenItsOwnErrorsNotTheBatchs() {
        Batch two = new Batch() {
            @Override
            public int compilePatched(List<String> objects) {
                patchedCompiles.add(List.copyOf(objects));
                if (objects.contains("a.o") && objects.contains("b.o")) throw new Failure(Failure.Kind.TOOL, "compiling "
                        + String.join(" ", objects) + " failed:\nb.c:3:9: error: 'x' undeclared\na.c:7:2: error: 'y' undeclared\n"
                        + "make[4]: *** [scripts/Makefile.build:229: b.o] Error 1\nmake[4]: *** [scripts/Makefile.build:229: a.o] Error 1");
                return 0;
            }
        };
        Map<String, BatchPipeline.Outcome> out = run(two);
        assertThat(out.get("a.c").failure().getMessage()).endsWith("failed:\na.c:7:2: error: 'y' undeclared").doesNotContain("b.c");
        assertThat(out.get("b.c").failure().getMessage()).endsWith("failed:\nb.c:3:9: error: 'x' undeclared").doesNotContain("a.c");
        assertThat(two.patchedCompiles).as("own errors were in the batch's output: no compile alone")
                .containsExactly(List.of("a.o", "b.o"));
    }

    @Test
    void aFixWhoseOriginalObjectDoesNotCompileIsTakenOutAndTheRestGoOn() {
        List<List<String>> originals = new ArrayList<>();
        Batch stages = new Batch() {
            @Override
            public int compileOriginal(List<String> objects) {
                originals.add(List.copyOf(objects));
                if (objects.contains("a.o")) throw new Failure(Failure.Kind.TOOL, "compiling " + String.join(" ", objects)
                        + " failed:\na.c:43:10: fatal error: nvrm/x.h: No such file or directory\nmake[6]: *** [scripts/Makefile.build:234: a.o] Error 1");
                return 0;
            }
        };
        Map<String, BatchPipeline.Outcome> out = run(stages);
        assertThat(out.get("a.c").failedStep()).isEqualTo("compile original");
        assertThat(out.get("a.c").failure().getMessage()).contains("nvrm/x.h");
        assertThat(out.get("b.c").failedStep()).isEqualTo("compile patched");
        assertThat(out.get("c.c").result().outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(originals).containsExactly(List.of("a.o", "b.o"), List.of("b.o"));
    }

    @Test
    void eachMakeOfTheBatchIsAnnouncedWithItsCount() {
        List<String> lines = new ArrayList<>();
        StepListener to = progressInto(lines);
        BuildOptions o = new BuildOptions();
        o.patch = Path.of("batch.patch");
        o.stop = BuildOptions.Stop.LINK;
        o.maxPreprocessed = BuildPipeline.WIDE_HEADER;
        Map<String, List<String>> fixes = new LinkedHashMap<>();
        for (String f : List.of("a.c", "b.c", "c.c", "d.c")) fixes.put(f, List.of(f));
        new BatchPipeline(o, fixes, new Batch(), to).run();
        // a.o and b.o (c.c is decided by its source, d.c not built); b.o fails, a.o is compiled again alone.
        assertThat(lines).containsSubsequence("batch: compiling 2 original object(s)", "batch: compiling 2 patched object(s)",
                "batch: b.c does not compile with the batch: taken out", "batch: compiling 1 original object(s)", "batch: compiling 1 patched object(s)");
    }

    @Test
    void eachFixEndsAsItWouldAloneAndOneThatDoesNotCompileIsTakenOut() {
        Batch stages = new Batch();
        Map<String, BatchPipeline.Outcome> out = run(stages);

        assertThat(out.get("a.c").result().outcome()).isEqualTo(BuildOutcome.LINKED);
        assertThat(out.get("a.c").result().objects()).extracting(ObjectReport::object).containsExactly("a.o");
        assertThat(out.get("a.c").result().release()).isEqualTo("6.1.0-99-amd64");
        assertThat(out.get("b.c").failedStep()).isEqualTo("compile patched");
        assertThat(out.get("b.c").failure().getMessage()).contains("b.c:3:9: error:");
        assertThat(out.get("c.c").result().outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(out.get("c.c").result().reason()).contains("c.c setup(): setup is __init code");
        assertThat(out.get("d.c").failedStep()).isEqualTo("changed objects");

        assertThat(stages.patchedCompiles).containsExactly(List.of("a.o", "b.o"), List.of("a.o"));
        assertThat(stages.diffed).containsExactly("a.o");
        assertThat(stages.calls).contains("revert").doesNotContain("writeModule");
        assertThat(stages.released).as("the tree is given back").isTrue();
    }

    /**
     * Header fixes: a.h's and b.h's changes meet in x.o (one decision for both, with both
     * objects), c.h reaches no object (no change), d.h's users would take preprocessing too many objects (not decided); the
     * users of all of them are asked for in one call, and what they reach compiled once.
     */
    static final class Headers extends BuildPipelineTest.FakeStages {
        final Map<String, List<String>> users = Map.of("a.h", List.of("x.o"), "b.h", List.of("x.o", "y.o"), "c.h", List.of(), "e.h", List.of("z.o"));
        final List<Map<String, ChangedObjects.Changes>> asked = new ArrayList<>();
        final List<List<String>> compiled = new ArrayList<>();

        @Override
        public PatchedSource readPatch() {
            List<UnifiedDiff.FilePatch> files = new ArrayList<>();
            List<SourceHunk> hunks = new ArrayList<>();
            for (String f : List.of("a.h", "b.h", "c.h", "d.h", "e.h")) {
                files.add(new UnifiedDiff.FilePatch(f, false, false, List.of("@@ -1 +1 @@")));
                hunks.addAll(PatchHunks.of(f, "int a;\n", "int a;\nint b;\n"));
            }
            return new PatchedSource(new UnifiedDiff(files), hunks, Map.of());
        }

        @Override
        public ChangedObjects.Changes changedObjects(PatchedSource patch) {
            String h = patch.diff().files().get(0).path();
            int includers = h.equals("d.h") ? 5000 : 3;
            return new ChangedObjects.Changes(List.of(), List.of(h), java.util.Collections.nCopies(includers, "u.o"), Map.of(h, ""));
        }

        @Override
        public Map<String, HeaderReach> headerUsersEach(Map<String, ChangedObjects.Changes> fixes) {
            asked.add(Map.copyOf(fixes));
            Map<String, HeaderReach> out = new LinkedHashMap<>();
            fixes.keySet().forEach(id -> out.put(id, id.equals("d.h") ? new HeaderReach(List.of(), 5000, true, "d.h: code reaches d through other types without naming it")
                    : new HeaderReach(users.get(id), users.get(id).size(), false, "")));
            return out;
        }

        @Override
        public int compilePatched(List<String> objects) {
            compiled.add(List.copyOf(objects));
            return 0;
        }
    }

    @Test
    void headerFixesMeetingInAnObjectAreDecidedAsOneAndEveryUserIsFoundInOneCall() {
        Headers stages = new Headers();
        Map<String, BatchPipeline.Outcome> out = run(stages, "a.h", "b.h", "c.h", "d.h", "e.h");

        assertThat(stages.asked).hasSize(1);
        assertThat(stages.asked.get(0)).containsOnlyKeys("a.h", "b.h", "c.h", "d.h", "e.h");
        assertThat(stages.compiled).containsExactly(List.of("x.o", "y.o", "z.o"));
        BatchPipeline.Outcome joined = out.get("a.h");
        assertThat(joined.members()).containsExactly("a.h", "b.h");
        assertThat(joined.result().outcome()).isEqualTo(BuildOutcome.LINKED);
        assertThat(joined.result().objects()).extracting(ObjectReport::object).containsExactly("x.o", "y.o");
        assertThat(out).doesNotContainKey("b.h");
        assertThat(out.get("e.h").members()).containsExactly("e.h");
        assertThat(out.get("e.h").result().objects()).extracting(ObjectReport::object).containsExactly("z.o");
        assertThat(out.get("c.h").result().outcome()).isEqualTo(BuildOutcome.NO_CHANGE);
        assertThat(out.get("d.h").result().outcome()).isEqualTo(BuildOutcome.REFUSED);
        assertThat(out.get("d.h").result().reason()).startsWith("not decided: telling which objects the patched headers change would preprocess"
                + " 5000 files, more than the 1000 this build preprocesses (d.h: code reaches d");
    }

    @Test
    void fixesJoinThroughAnyChainOfSharedObjects() {
        Map<String, List<String>> objects = new LinkedHashMap<>();
        objects.put("p", List.of("1.o"));
        objects.put("q", List.of("2.o"));
        objects.put("r", List.of("3.o"));
        objects.put("s", List.of("2.o", "1.o")); // joins p and q
        objects.put("t", List.of("4.o"));
        Map<String, List<String>> members = BatchPipeline.joinSharing(objects);
        assertThat(members).containsOnlyKeys("p", "r", "t");
        assertThat(members.get("p")).containsExactly("p", "q", "s");
        assertThat(objects.get("p")).containsExactlyInAnyOrder("1.o", "2.o");
        assertThat(objects).containsOnlyKeys("p", "r", "t");
    }

    @Test
    void preprocessingProgressReachesTheUpdateALineEachTenth() {
        List<String> lines = new ArrayList<>();
        StepListener to = progressInto(lines);
        StepListener p = BatchPipeline.preprocessing(to);
        p.started("changed objects");
        for (int done = 50; done <= 1000; done += 50) p.progress("changed objects", "preprocessing " + done + "/1000");
        p.progress("target", "fetching linux-image");
        assertThat(lines).hasSize(10).first().isEqualTo("batch: header users: preprocessed 100 of 1000 object(s)");
        assertThat(lines).last().isEqualTo("batch: header users: preprocessed 1000 of 1000 object(s)");
    }

    /** Before preprocessing, a batch of 100 header fixes follows names and asks kbuild for minutes: said too. */
    @Test
    void followingNamesAndAskingKbuildAreSaidBeforePreprocessing() {
        List<String> lines = new ArrayList<>();
        StepListener p = BatchPipeline.preprocessing(progressInto(lines));
        for (int done = 1; done <= 40; done++) p.progress("changed objects", "following the changed names of " + done + "/40 fix(es)' headers");
        p.progress("changed objects", "asking kbuild which of 1446 includer(s) this config builds");
        assertThat(lines).hasSize(11).first().isEqualTo("batch: header users: following the changed names of 4/40 fix(es)' headers");
        assertThat(lines).last().isEqualTo("batch: header users: asking kbuild which of 1446 includer(s) this config builds");
    }
}
