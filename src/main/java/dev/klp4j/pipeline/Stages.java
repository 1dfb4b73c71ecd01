package dev.klp4j.pipeline;

import dev.klp4j.diff.StructSizes;
import dev.klp4j.kbuild.ChangedObjects;
import dev.klp4j.kbuild.HeaderReach;
import dev.klp4j.kbuild.ObjectOwner;
import dev.klp4j.kernel.KernelTarget;
import dev.klp4j.klp.LivepatchModule;
import dev.klp4j.review.ReviewReport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The work of each build step, behind one interface so that {@link BuildPipeline}'s decisions
 * (which step runs, which outcome wins) are tested with fakes; {@link KernelStages} does the real
 * work on a kernel tree. The calls come in the order the pipeline lists them, each after
 * {@link #prepare} while the tree is held.
 */
public interface Stages {
    KernelTarget target();

    PreparedTree prepare(KernelTarget target);

    /** Checks that the patch applies (it is taken back out) and reads both sides of each patched file. */
    PatchedSource readPatch();

    ChangedObjects.Changes changedObjects(PatchedSource patch);

    /** Compiles the patched .c files' own objects, so that one that does not compile fails before the header users are sought. */
    void compileSources(ChangedObjects.Changes changes);

    /** The objects the patched headers reach, or, past {@code maxPreprocessed}, how many it would take to tell. */
    HeaderReach headerUsers(ChangedObjects.Changes changes);

    /**
     * The objects each of many header fixes reaches (keys as given), with every fix's patch in
     * {@link #readPatch}'s patch; the real stages preprocess each object once for all of them.
     */
    default Map<String, HeaderReach> headerUsersEach(Map<String, ChangedObjects.Changes> fixes) {
        Map<String, HeaderReach> out = new java.util.LinkedHashMap<>();
        fixes.forEach((id, c) -> out.put(id, headerUsers(c)));
        return out;
    }

    /** Compiles the original objects; returns how many came from the cache. */
    int compileOriginal(List<String> objects);

    /** The patch applied to the tree until it is closed. */
    interface Applied extends AutoCloseable {
        @Override
        void close();
    }

    /** Applies the patch to the tree until the returned handle is closed. */
    Applied applyPatch();

    /** Applies only the patch's changes to {@code files} (a batch's fixes still to compare) until the handle is closed. */
    Applied applyPatch(java.util.Collection<String> files);

    /** Compiles the patched objects (the patch applied); returns how many came from the cache. */
    int compilePatched(List<String> objects);

    Map<String, ObjectOwner.Owner> owners(List<String> objects);

    StructSizes entrySizes();

    ObjectDiffs diff(List<String> objects, Map<String, ObjectOwner.Owner> owners, StructSizes sizes);

    ReviewReport review(PatchedSource patch, List<String> objects, ObjectDiffs diffs);

    LivepatchModule.Linked link(ObjectDiffs diffs, StructSizes sizes);

    /** Builds the module and writes it to the output directory, never half. */
    Path writeModule(LivepatchModule.Linked linked);
}
