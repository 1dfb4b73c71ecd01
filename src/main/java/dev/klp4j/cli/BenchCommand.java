package dev.klp4j.cli;

import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.ElfWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks that check klp4j's speed targets in a warm JVM.",
        subcommands = {BenchCommand.Elf.class, BenchCommand.Diff.class, BenchTransitionCommand.class})
final class BenchCommand {

    @Command(name = "elf", mixinStandardHelpOptions = true,
            description = "Read+write throughput of the ELF layer over every object in DIR (target: 200 MB/s).")
    static final class Elf implements Runnable {
        @Parameters(paramLabel = "DIR", defaultValue = "../shared/kpatch-unit-objs/x86_64",
                description = "Directory of .o files (default: ${DEFAULT-VALUE}).")
        Path dir;

        @Option(names = "--warmup", defaultValue = "3", description = "Warm-up seconds (default: ${DEFAULT-VALUE}).")
        double warmup;

        @Option(names = "--seconds", defaultValue = "5", description = "Measured seconds (default: ${DEFAULT-VALUE}).")
        double seconds;

        @Spec CommandSpec spec;

        @Override
        public void run() {
            List<byte[]> objects = loadObjects(dir);
            long total = 0;
            for (byte[] b : objects) total += b.length;
            PrintWriter out = spec.commandLine().getOut();
            runFor(objects, warmup);
            long t0 = System.nanoTime();
            long rounds = runFor(objects, seconds);
            double secs = (System.nanoTime() - t0) / 1e9;
            double mbps = rounds * total / secs / 1e6;
            out.printf("elf read+write: %d objects, %.1f MB per round, %d rounds in %.2f s: %.0f MB/s (target 200 MB/s)%n",
                    objects.size(), total / 1e6, rounds, secs, mbps);
            out.flush();
        }

        private static long runFor(List<byte[]> objects, double seconds) {
            long end = System.nanoTime() + (long) (seconds * 1e9);
            long rounds = 0;
            long sink = 0;
            do {
                for (byte[] b : objects) {
                    try {
                        sink += ElfWriter.toBytes(ElfReader.parse(b)).length;
                    } catch (ElfFormatException e) {
                        throw new UserError("benchmark input is not a valid object: " + e.getMessage());
                    }
                }
                rounds++;
            } while (System.nanoTime() < end);
            if (sink == 0) throw new IllegalStateException("nothing was written");
            return rounds;
        }
    }

    @Command(name = "diff", mixinStandardHelpOptions = true,
            description = "Time of the differ on every row of an expected.tsv-style file, in one warm JVM (target: whole set < 1 s).")
    static final class Diff implements Runnable {
        @Parameters(paramLabel = "TSV", defaultValue = "../shared/kpatch-unit-objs/x86_64/expected.tsv",
                description = "Batch file (default: ${DEFAULT-VALUE}).")
        Path tsv;

        @Option(names = "--warmup", defaultValue = "5", description = "Warm-up rounds over the whole set (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--rounds", defaultValue = "10", description = "Measured rounds (default: ${DEFAULT-VALUE}).")
        int rounds;

        @Option(names = "--write", description = "Also serialize each output object (default: in-memory diff only).")
        boolean write;

        @Spec CommandSpec spec;

        private record Input(dev.klp4j.diff.BatchCase bc, byte[] orig, byte[] patched, dev.klp4j.diff.DiffOptions opts) {}

        @Override
        public void run() {
            if (warmup < 0 || rounds < 1) throw new UserError("--warmup must be >= 0 and --rounds >= 1");
            List<Input> inputs = new ArrayList<>();
            try {
                for (dev.klp4j.diff.BatchCase bc : dev.klp4j.diff.BatchCase.read(tsv)) {
                    dev.klp4j.diff.DiffOptions opts = dev.klp4j.diff.DiffOptions.defaults()
                            .withStructSizes(bc.structSizes(dev.klp4j.diff.StructSizes.defaults()));
                    inputs.add(new Input(bc, Files.readAllBytes(bc.orig()), Files.readAllBytes(bc.patched()), opts));
                }
            } catch (IOException | IllegalArgumentException e) { // an unreadable file or row, a bad env override
                throw new UserError(tsv + ": " + e.getMessage());
            }
            if (inputs.isEmpty()) throw new UserError(tsv + ": no cases");
            for (int i = 0; i < warmup; i++) for (Input in : inputs) once(in);
            long[] best = new long[inputs.size()];
            java.util.Arrays.fill(best, Long.MAX_VALUE);
            long bestTotal = Long.MAX_VALUE;
            for (int r = 0; r < rounds; r++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < inputs.size(); i++) {
                    long s = System.nanoTime();
                    once(inputs.get(i));
                    best[i] = Math.min(best[i], System.nanoTime() - s);
                }
                bestTotal = Math.min(bestTotal, System.nanoTime() - t0);
            }
            PrintWriter out = spec.commandLine().getOut();
            for (int i = 0; i < inputs.size(); i++) {
                out.printf("%-45s %8.2f ms%n", inputs.get(i).bc().name(), best[i] / 1e6);
            }
            out.printf("diff: %d cases, whole set %.1f ms warm (best of %d rounds, read+diff%s), %.2f ms per case (target: whole set < 1000 ms)%n",
                    inputs.size(), bestTotal / 1e6, rounds, write ? "+write" : "", bestTotal / 1e6 / inputs.size());
            out.flush();
        }

        private long once(Input in) {
            try {
                dev.klp4j.diff.DiffResult r = dev.klp4j.diff.Differ.diff(ElfReader.parse(in.orig()), ElfReader.parse(in.patched()), in.opts());
                if (write && r.patch() != null) return ElfWriter.toBytes(dev.klp4j.diff.PatchObjectFile.elf(r.patch())).length;
                return r.outcome().ordinal(); // something the JIT cannot discard
            } catch (ElfFormatException e) {
                throw new UserError(in.bc().name() + ": " + e.getMessage());
            }
        }
    }

    static List<byte[]> loadObjects(Path dir) {
        if (!Files.isDirectory(dir)) throw new UserError(dir + ": no such directory (give the directory of objects to measure)");
        List<byte[]> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".o")).sorted()::iterator) {
                out.add(Files.readAllBytes(p));
            }
        } catch (IOException e) {
            throw new UserError(dir + ": cannot read: " + e.getMessage());
        }
        if (out.isEmpty()) throw new UserError(dir + ": no .o files to measure");
        return out;
    }
}
