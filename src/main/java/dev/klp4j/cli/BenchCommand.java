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
        subcommands = {BenchCommand.Elf.class, BenchTransitionCommand.class})
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
