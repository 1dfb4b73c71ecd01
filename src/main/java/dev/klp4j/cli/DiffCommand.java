package dev.klp4j.cli;

import dev.klp4j.diff.BatchCase;
import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.diff.PatchObjectFile;
import dev.klp4j.diff.StructSizes;
import dev.klp4j.elf.ElfFile;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "diff", mixinStandardHelpOptions = true,
        description = {"Compare an original and a patched object of one source file and write the patch object.",
                "Exit 0: OUT written; 3: no patchable change; 2: the change cannot be live patched (reasons printed) or bad input."})
final class DiffCommand implements java.util.concurrent.Callable<Integer> {
    @Parameters(index = "0", arity = "0..1", paramLabel = "ORIG.o", description = "The original object.")
    Path orig;

    @Parameters(index = "1", arity = "0..1", paramLabel = "PATCHED.o", description = "The patched object.")
    Path patched;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT.o", description = "Where to write the patch object.")
    Path output;

    @Option(names = "--struct-size", paramLabel = "NAME=BYTES",
            description = "Special-section entry size (bug, ex, alt, jump, orc, para, static_call, printk_index).")
    List<String> structSizes = new ArrayList<>();

    @Option(names = "--object", defaultValue = "vmlinux", paramLabel = "NAME",
            description = "The kernel object the patched functions live in (default: ${DEFAULT-VALUE}).")
    String object;

    @Option(names = "--json", description = "Print a JSON report instead of one line per function.")
    boolean json;

    @Option(names = "--batch", paramLabel = "TSV", description = "Run every row of an expected.tsv-style file.")
    Path batch;

    @Option(names = "--out-dir", paramLabel = "DIR", description = "With --batch: where to write CASE.o outputs.")
    Path outDir;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        DiffOptions opts = options();
        if (batch != null) return runBatch(opts);
        if (orig == null || patched == null) throw new UserError("give ORIG.o and PATCHED.o (or --batch TSV --out-dir DIR)");
        if (output == null) throw new UserError("give -o OUT.o");
        InputFiles.requireOutputFile("-o", output);
        ElfFile o = ElfFiles.read(orig);
        ElfFile p = ElfFiles.read(patched);
        sameSource(orig, o, patched, p);
        DiffResult r = run(o, p, opts);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(DiffReport.of(r)));
        } else {
            for (String f : r.changed()) out.println("changed function: " + f);
            for (String f : r.added()) out.println("new function: " + f);
        }
        out.flush();
        if (r.outcome() == DiffResult.Outcome.REFUSED) {
            PrintWriter err = spec.commandLine().getErr();
            for (String reason : r.reasons()) err.println("klp4j: cannot patch: " + reason);
            err.flush();
        } else if (r.outcome() == DiffResult.Outcome.NO_CHANGE && !json) {
            spec.commandLine().getErr().println("klp4j: no patchable change");
            spec.commandLine().getErr().flush();
        }
        if (r.outcome() == DiffResult.Outcome.PATCH) write(r.patch(), output);
        return ExitStatus.ofDiff(r.outcome());
    }

    private DiffOptions options() {
        StructSizes sizes = StructSizes.defaults();
        for (String s : structSizes) {
            try {
                sizes = sizes.with(s);
            } catch (IllegalArgumentException e) {
                throw new UserError("--struct-size: " + e.getMessage());
            }
        }
        if (object == null || object.isBlank()) throw new UserError("--object: name is empty");
        return new DiffOptions(sizes, object);
    }

    /**
     * Runs the differ. The objects were read whole and checked by ElfReader (a malformed one is bad
     * input there); anything the differ throws is a bug in klp4j and reaches Main as an internal error.
     */
    static DiffResult run(ElfFile o, ElfFile p, DiffOptions opts) {
        return Differ.diff(o, p, opts);
    }

    static void write(PatchObject patch, Path path) {
        try {
            PatchObjectFile.write(patch, path);
        } catch (IOException e) { // anything else is a bug in making the ELF, for Main to report as one
            throw new UserError(path + ": cannot write: " + e.getMessage());
        }
    }

    private int runBatch(DiffOptions opts) {
        if (outDir == null) throw new UserError("--batch needs --out-dir DIR");
        List<BatchCase> cases;
        try {
            cases = BatchCase.read(batch);
            Files.createDirectories(outDir);
        } catch (IOException e) { // BatchCase.read names the line at fault
            throw new UserError(batch + ": " + e.getMessage());
        }
        int threads = Math.max(1, Math.min(cases.size(), Runtime.getRuntime().availableProcessors()));
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Row>> lines = new ArrayList<>();
            for (BatchCase bc : cases) lines.add(pool.submit(() -> batchRow(bc, opts)));
            PrintWriter out = spec.commandLine().getOut();
            int worst = 0;
            List<Map<String, Object>> docs = new ArrayList<>();
            for (Future<Row> f : lines) {
                Row line;
                try {
                    line = f.get();
                } catch (ExecutionException e) {
                    // batchRow reports a bad row on its line; what reaches here is a bug, for Main to report.
                    if (e.getCause() instanceof RuntimeException bug) throw bug;
                    if (e.getCause() instanceof Error bug) throw bug;
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new UserError("interrupted");
                }
                if (json) docs.add(line.toJson());
                else out.println(line.line());
                if (line.error() != null) worst = ExitStatus.INPUT;
            }
            // --json: one document, the rows in the file's order
            if (json) out.println(Json.write(docs));
            out.flush();
            return worst;
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * One row: {@code CASE EXIT changed=... new=...}, or {@code CASE ERROR why} for a row's bad input
     * (an unreadable object, a bad env override). A bug in the differ is not a row's error: it
     * propagates and the whole batch fails as an internal error.
     */
    /** ORIG and PATCHED must be objects of one source file: their first FILE symbols (when both have one) agree. */
    static void sameSource(Path origPath, ElfFile orig, Path patchedPath, ElfFile patched) {
        String a = sourceFile(orig), b = sourceFile(patched);
        if (a != null && b != null && !a.equals(b)) {
            throw new UserError(ExitStatus.INPUT, origPath + " is compiled from " + a + " and " + patchedPath + " from " + b
                    + ": give the original and the patched object of one source file");
        }
    }

    private static String sourceFile(ElfFile f) {
        for (dev.klp4j.elf.Symbol s : f.symbols()) if (s.isFileSymbol() && !s.name().isEmpty()) return s.name();
        return null;
    }

    /** One row's end: its exit status and functions, or the error that kept it from running. */
    private record Row(String name, int exit, List<String> changed, List<String> added, String error) {
        /** {@code CASE EXIT changed=... new=...}, or {@code CASE ERROR why}. */
        String line() {
            return error != null ? name + " ERROR " + error : name + " " + exit + " changed=" + join(changed) + " new=" + join(added);
        }

        Map<String, Object> toJson() {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("case", name);
            if (error != null) {
                m.put("error", error);
            } else {
                m.put("exit", exit);
                m.put("changed", changed);
                m.put("added", added);
            }
            return m;
        }
    }

    private Row batchRow(BatchCase bc, DiffOptions base) {
        try {
            DiffOptions opts;
            try {
                opts = base.withStructSizes(bc.structSizes(base.structSizes()));
            } catch (IllegalArgumentException e) {
                throw new UserError(e.getMessage());
            }
            ElfFile o = ElfFiles.read(bc.orig()), p = ElfFiles.read(bc.patched());
            sameSource(bc.orig(), o, bc.patched(), p);
            DiffResult r = Differ.diff(o, p, opts);
            if (r.outcome() == DiffResult.Outcome.PATCH) write(r.patch(), outDir.resolve(bc.name() + ".o"));
            return new Row(bc.name(), ExitStatus.ofDiff(r.outcome()), r.changed(), r.added(), null);
        } catch (UserError e) {
            return new Row(bc.name(), ExitStatus.INPUT, List.of(), List.of(), e.getMessage());
        }
    }

    private static String join(List<String> l) {
        return l.isEmpty() ? "-" : String.join(",", l);
    }
}
