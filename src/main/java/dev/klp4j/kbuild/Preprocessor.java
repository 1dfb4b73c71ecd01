package dev.klp4j.kbuild;

import dev.klp4j.base.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * kbuild's preprocessor output ({@code make OBJ.i}) for many objects, in batches: the .i files
 * are large (megabytes), so each batch is made, read and removed before the next, and make
 * prepares the next batch while the last one is read.
 */
final class Preprocessor {
    /** Preprocessed files are large (megabytes): a batch at a time is written, read and removed. */
    private static final int BATCH = 96;
    /** What preprocessing makes of an object that kbuild could not preprocess: it is compiled, not missed. */
    static final String FAILED = "failed";

    private final Path tree;
    private final KbuildQuery kbuild;
    private final int jobs;
    private final Consumer<String> progress;

    Preprocessor(Path tree, KbuildQuery kbuild, int jobs, Consumer<String> progress) {
        this.tree = tree;
        this.kbuild = kbuild;
        this.jobs = jobs;
        this.progress = progress;
    }

    /**
     * Preprocesses {@code objects} with kbuild ({@code make -k OBJ.i}, in batches) and asks
     * {@code look} about each (the object and its .i target, readable until it returns): a value
     * keeps the object, null drops it. An object kbuild cannot preprocess (it needs a generated
     * header that only its .o rule makes) is built once to make it, then tried again; if it still
     * fails it maps to {@link #FAILED}, to be compiled rather than missed.
     */
    Map<String, String> run(List<String> objects, java.util.function.BiFunction<String, String, String> look) {
        Map<String, String> out = new TreeMap<>();
        List<String> failed = new ArrayList<>();
        int done = 0;
        List<List<String>> batches = new ArrayList<>();
        for (int from = 0; from < objects.size(); from += BATCH) batches.add(objects.subList(from, Math.min(objects.size(), from + BATCH)));
        // make preprocesses the next batch while this thread reads the last one's output: reading a
        // network object's .i takes about as long as making it.
        java.util.concurrent.CompletableFuture<Void> making = batches.isEmpty() ? null : makeAsync(batches.get(0));
        for (int k = 0; k < batches.size(); k++) {
            join(making);
            making = k + 1 < batches.size() ? makeAsync(batches.get(k + 1)) : null;
            failed.addAll(collect(batches.get(k), look, out));
            done += batches.get(k).size();
            progress.accept("preprocessing " + done + "/" + objects.size());
        }
        if (!failed.isEmpty()) {
            // kbuild ties generated headers (x509.asn1.h, capability_names.h, ...) to the .o rule only.
            for (List<String> call : kbuild.makeCalls(List.of("make", "-k", "-j" + jobs), failed)) Exec.run(kbuild.tools(), tree, call);
            for (String o : failed) deleteQuietly(o);
            makeI(failed);
            for (String o : collect(failed, look, out)) out.put(o, FAILED);
        }
        return out;
    }

    private java.util.concurrent.CompletableFuture<Void> makeAsync(List<String> objects) {
        return java.util.concurrent.CompletableFuture.runAsync(() -> makeI(objects));
    }

    private static void join(java.util.concurrent.CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }

    /** Asks kbuild for the .i of each object (-k: one that fails does not stop the others). */
    private void makeI(List<String> objects) {
        List<String> targets = objects.stream().map(Preprocessor::iTarget).toList();
        for (List<String> call : kbuild.makeCalls(List.of("make", "-k", "-j" + jobs), targets)) Exec.run(kbuild.tools(), tree, call);
    }

    /** Reads one made batch: returns the objects whose .i kbuild did not make; fills {@code out} for the rest. */
    private List<String> collect(List<String> objects, java.util.function.BiFunction<String, String, String> look, Map<String, String> out) {
        List<String> failed = new ArrayList<>();
        for (String o : objects) {
            String i = iTarget(o);
            if (!Files.isRegularFile(tree.resolve(i))) {
                failed.add(o);
                continue;
            }
            try {
                String v = look.apply(o, i);
                if (v != null) out.put(o, v);
            } finally {
                deleteQuietly(i);
            }
        }
        return failed;
    }

    static String iTarget(String object) {
        return object.substring(0, object.length() - 2) + ".i";
    }

    private void deleteQuietly(String relative) {
        try { Files.deleteIfExists(tree.resolve(relative)); } catch (IOException ignored) { /* a stray file is harmless */ }
    }
}
