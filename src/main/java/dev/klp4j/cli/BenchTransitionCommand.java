package dev.klp4j.cli;

import dev.klp4j.kernel.KernelTree;
import dev.klp4j.vm.GuestReport;
import dev.klp4j.vm.KbuildModule;
import dev.klp4j.vm.GuestRuntime;
import dev.klp4j.vm.VmHarness;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "transition", mixinStandardHelpOptions = true,
        description = {"Time livepatch transitions on an idle QEMU guest: load and unload the patch RUNS times.",
                "The kernel's own duration ('starting patching transition' to 'patching complete' in dmesg);"
                        + " no stop_machine is involved."})
final class BenchTransitionCommand extends VmCommand.VmOptions implements Runnable {
    @Option(names = "--source", paramLabel = "DIR", defaultValue = "examples/handwritten-cmdline",
            description = "Module source to build with kbuild when no --module is given (default: ${DEFAULT-VALUE}).")
    Path source;
    @Option(names = "--runs", defaultValue = "5", description = "Load/unload rounds (default: ${DEFAULT-VALUE}).") int runs;
    @Option(names = "--timeout", defaultValue = "300", paramLabel = "S", description = "Guest time limit (default: ${DEFAULT-VALUE}).") int timeout;
    @Option(names = "--json", description = "Print JSON.") boolean json;
    @Option(names = "--guest-runtime", defaultValue = "java", paramLabel = "java|shell",
            description = "What loads the patch in the guest: klp4j's Java runtime, or its busybox twin; the kernel's"
                    + " transition time is read from dmesg either way (default: ${DEFAULT-VALUE}).") String runtime;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        GuestRuntime rt = VmCommand.guestRuntime(runtime); // bad input fails before the module is built
        KernelTree t = tree();
        PrintWriter out = spec.commandLine().getOut();
        Path build = null;
        try {
            List<Path> mods = modules;
            if (mods.isEmpty()) {
                build = Files.createTempDirectory("klp4j-bench-");
                Path b = build;
                mods = List.of(Failures.call(() -> KbuildModule.build(source, t, b)));
            }
            VmHarness.Spec s = new VmHarness.Spec(t, mods, null, timeout, 30, 1, null, rt);
            VmHarness.Outcome o = Failures.call(() -> VmHarness.bench(s, runs, null));
            if (!o.passed()) VmCommand.report(o, json, out, "bench transition");
            List<Double> patching = new ArrayList<>();
            List<Double> unpatching = new ArrayList<>();
            for (GuestReport.Transition tr : o.report().transitions()) {
                (tr.kind().equals("patching") ? patching : unpatching).add(tr.kernelMicros() / 1000.0);
            }
            Map<String, Object> j = new LinkedHashMap<>();
            j.put("release", t.release());
            j.put("runs", runs);
            j.put("patchingMs", stats(patching));
            j.put("unpatchingMs", stats(unpatching));
            if (json) {
                out.println(Json.write(j));
            } else {
                out.printf("livepatch transition on an idle %s guest (tcg, 1 cpu), %d runs:%n", t.release(), runs);
                out.printf("  patching:   %s%n", line(stats(patching)));
                out.printf("  unpatching: %s%n", line(stats(unpatching)));
            }
            out.flush();
        } catch (IOException e) {
            throw new UserError(ExitStatus.FAILED, "cannot create a build directory: " + e.getMessage());
        } finally {
            if (build != null) delete(build);
        }
    }

    static Map<String, Double> stats(List<Double> v) {
        List<Double> s = new ArrayList<>(v);
        s.sort(Comparator.naturalOrder());
        Map<String, Double> m = new LinkedHashMap<>();
        if (s.isEmpty()) return m;
        m.put("min", s.get(0));
        m.put("median", s.get(s.size() / 2));
        m.put("max", s.get(s.size() - 1));
        return m;
    }

    private static String line(Map<String, Double> m) {
        if (m.isEmpty()) return "no data";
        return String.format("min %.2f ms, median %.2f ms, max %.2f ms", m.get("min"), m.get("median"), m.get("max"));
    }

    private static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            // best effort
        }
    }
}
