package dev.klp4j.cli;

import dev.klp4j.debian.KernelRelease;
import dev.klp4j.runtime.BlockingTask;
import dev.klp4j.runtime.Livepatcher;
import dev.klp4j.runtime.PatchStatus;
import dev.klp4j.runtime.PatchStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Host commands that load, unload, inspect and install livepatch modules through sysfs: one picocli
 * subcommand class each, kept in one file because each is a thin shell over runtime.Livepatcher.
 */
final class RuntimeCommands {
    private RuntimeCommands() {}

    static PrintWriter out(CommandSpec spec) {
        return spec.commandLine().getOut();
    }

    static PrintWriter err(CommandSpec spec) {
        return spec.commandLine().getErr();
    }

    static long millis(double seconds, String option) {
        if (!(seconds > 0)) throw new UserError(option + " must be a positive number of seconds");
        return (long) (seconds * 1000);
    }

    @Command(name = "load", mixinStandardHelpOptions = true,
            description = {"Load a livepatch module and wait for its transition to finish.",
                    "A stalled transition names its blocking tasks and signals them; at the timeout it is reversed"
                            + " and the module unloaded, leaving the system as before."})
    static final class Load implements Runnable {
        static final class Target {
            @Parameters(paramLabel = "X.ko", description = "The livepatch module to load.") Path module;
            @Option(names = {"--installed", "--all"}, description = "Load every patch installed for the running kernel, in"
                    + " install order, skipping loaded ones (what klp4j.service runs at boot; --all as in kpatch).") boolean installed;
        }

        @ArgGroup(multiplicity = "1") Target target;
        @Option(names = "--timeout", defaultValue = "60", paramLabel = "S",
                description = "Seconds the transition may take (default: ${DEFAULT-VALUE}).") double timeout;
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            long ms = millis(timeout, "--timeout");
            Livepatcher lp = opts.livepatcher(err(spec));
            List<Path> modules = new ArrayList<>();
            if (target.installed) {
                String release = opts.sys().release();
                for (PatchStore.Installed i : Failures.call(() -> opts.patchStore().installed(release))) {
                    if (Files.isDirectory(opts.sys().patch(i.name()))) continue;
                    modules.add(i.file());
                }
            } else {
                // A missing file is the user's typo: say so before judging the kernel.
                if (!Files.isRegularFile(target.module)) throw new UserError(target.module + ": no such file (give a built .ko)");
                modules.add(target.module);
            }
            List<Object> done = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Path m : modules) {
                Livepatcher.Loaded l;
                try {
                    l = Failures.call(() -> lp.load(m, ms));
                } catch (UserError e) {
                    if (names.isEmpty()) throw e;
                    throw new UserError(e.exitCode(), e.getMessage() + " (stopped there; loaded before it: "
                            + String.join(", ", names) + ")");
                }
                names.add(l.name());
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("name", l.name());
                j.put("file", m.toString());
                j.put("transitionMs", l.transitionMillis());
                j.put("signals", l.signals());
                j.put("stalls", l.stalls().stream().map(RuntimeCommands::tasksJson).toList());
                done.add(j);
                if (!opts.json) out(spec).printf("loaded %s: transition finished in %d ms%s%n", l.name(), l.transitionMillis(),
                        l.signals() > 0 ? " (after signalling blocking tasks " + l.signals() + " time(s))" : "");
            }
            if (opts.json) out(spec).println(Json.write(target.installed ? Map.of("loaded", done) : done.get(0)));
            else if (modules.isEmpty()) out(spec).println("no installed patches to load for " + opts.sys().release());
            out(spec).flush();
        }
    }

    @Command(name = "unload", mixinStandardHelpOptions = true,
            description = "Disable a livepatch, wait for the transition back, and remove its module.")
    static final class Unload implements Runnable {
        static final class Target {
            @Parameters(paramLabel = "NAME", description = "The patch's module name (see 'klp4j list'), or its X.ko file.") String name;
            @Option(names = "--all", description = "Unload every loaded livepatch (as kpatch unload --all).") boolean all;
        }

        @ArgGroup(multiplicity = "1") Target target;
        @Option(names = "--timeout", defaultValue = "60", paramLabel = "S",
                description = "Seconds the transition may take (default: ${DEFAULT-VALUE}).") double timeout;
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            long ms = millis(timeout, "--timeout");
            Livepatcher lp = opts.livepatcher(err(spec));
            List<Livepatcher.Unloaded> done = new ArrayList<>();
            if (target.all) {
                unloadAll(lp, ms, done);
            } else {
                String name = moduleName(target.name);
                done.add(Failures.call(() -> lp.unload(name, ms)));
            }
            List<Object> json = new ArrayList<>();
            for (Livepatcher.Unloaded u : done) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("name", u.name());
                j.put("transitionMs", u.transitionMillis());
                j.put("moduleKept", u.moduleKept());
                json.add(j);
                if (!opts.json) {
                    out(spec).printf(u.moduleKept() ? "unpatched %s: transition finished in %d ms; its module stays loaded until the"
                            + " next boot (permanent: it carries tables running code may point into)%n"
                            : "unloaded %s: transition finished in %d ms%n", u.name(), u.transitionMillis());
                }
            }
            if (opts.json) out(spec).println(Json.write(target.all ? Map.of("unloaded", json) : json.get(0)));
            else if (done.isEmpty()) out(spec).println("no livepatch is loaded");
            out(spec).flush();
        }

        /**
         * Every loaded patch, the last listed first; sysfs does not say in which order stacked
         * patches were loaded, and only the top one of a stack can be disabled, so one that fails
         * is tried again after the others, until a round unloads nothing.
         */
        private static void unloadAll(Livepatcher lp, long ms, List<Livepatcher.Unloaded> done) {
            List<String> left = new ArrayList<>(Failures.call(lp::list).stream().map(PatchStatus::name).toList());
            java.util.Collections.reverse(left);
            while (!left.isEmpty()) {
                UserError last = null;
                List<String> next = new ArrayList<>();
                for (String n : left) {
                    try {
                        done.add(Failures.call(() -> lp.unload(n, ms)));
                    } catch (UserError e) {
                        last = e;
                        next.add(n);
                    }
                }
                if (next.size() == left.size()) {
                    throw new UserError(last.exitCode(), last.getMessage() + " (still loaded: " + String.join(", ", next)
                            + (done.isEmpty() ? "" : "; unloaded: " + String.join(", ", done.stream().map(Livepatcher.Unloaded::name).toList())) + ")");
                }
                left = next;
            }
        }

        /** NAME as given, or the module name of an X.ko (its .modinfo name; kbuild's '-' to '_' when the file is gone). */
        static String moduleName(String given) {
            if (!given.endsWith(".ko")) return given;
            Path ko = Path.of(given);
            if (Files.isRegularFile(ko)) return Failures.call(() -> dev.klp4j.kernel.ModuleInfo.read(ko).name());
            String file = ko.getFileName().toString();
            return file.substring(0, file.length() - 3).replace('-', '_');
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Loaded livepatches and the patches installed for the running kernel, with their state.")
    static final class ListPatches implements Runnable {
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            String release = opts.sys().release();
            List<PatchStatus> loaded = Failures.call(() -> opts.livepatcher(err(spec)).list());
            List<PatchStore.Installed> installed = Failures.call(() -> opts.patchStore().installed(release));
            Set<String> names = new LinkedHashSet<>();
            Map<String, PatchStatus> byName = new LinkedHashMap<>();
            Map<String, Integer> order = new LinkedHashMap<>();
            for (int i = 0; i < installed.size(); i++) {
                names.add(installed.get(i).name());
                order.put(installed.get(i).name(), i + 1);
            }
            for (PatchStatus p : loaded) {
                names.add(p.name());
                byName.put(p.name(), p);
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (String n : names) {
                PatchStatus p = byName.get(n);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", n);
                r.put("loaded", p != null);
                r.put("enabled", p != null && p.enabled());
                r.put("transition", p != null && p.inTransition());
                r.put("installed", order.containsKey(n));
                r.put("installOrder", order.get(n));
                rows.add(r);
            }
            PrintWriter out = out(spec);
            if (opts.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("release", release);
                j.put("patches", rows);
                out.println(Json.write(j));
            } else if (rows.isEmpty()) {
                out.println("no livepatches loaded or installed for " + release);
            } else {
                out.printf("%-32s %-10s %-12s %s%n", "NAME", "STATE", "TRANSITION", "INSTALLED");
                for (Map<String, Object> r : rows) {
                    String state = !(Boolean) r.get("loaded") ? "-" : (Boolean) r.get("enabled") ? "enabled" : "disabled";
                    out.printf("%-32s %-10s %-12s %s%n", r.get("name"), state,
                            (Boolean) r.get("transition") ? "in progress" : "-",
                            r.get("installOrder") == null ? "no" : "yes (#" + r.get("installOrder") + ")");
                }
            }
            out.flush();
        }
    }

    @Command(name = "info", mixinStandardHelpOptions = true,
            description = "A loaded livepatch's objects, patched functions and transition state.")
    static final class Info implements Runnable {
        @Parameters(paramLabel = "NAME") String name;
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            Livepatcher lp = opts.livepatcher(err(spec));
            PatchStatus p = Failures.call(() -> lp.info(name));
            List<BlockingTask> blocking = p.inTransition() ? lp.blockingTasks(p.enabled() ? 1 : 0) : List.of();
            PrintWriter out = out(spec);
            if (opts.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("name", p.name());
                j.put("enabled", p.enabled());
                j.put("transition", p.inTransition());
                List<Object> objs = new ArrayList<>();
                for (PatchStatus.PatchedObject o : p.objects()) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("object", o.name());
                    m.put("patched", o.patched());
                    m.put("functions", o.functions().stream().map(f -> Map.of("name", f.name(), "sympos", f.sympos())).toList());
                    objs.add(m);
                }
                j.put("objects", objs);
                j.put("blockingTasks", tasksJson(blocking));
                out.println(Json.write(j));
            } else {
                out.printf("%s: %s, transition %s%n", p.name(), p.enabled() ? "enabled" : "disabled",
                        p.inTransition() ? "in progress" : "finished");
                for (PatchStatus.PatchedObject o : p.objects()) {
                    out.printf("  object %s%s%n", o.name(), o.patched() == null ? "" : o.patched() ? " (patched)" : " (not loaded)");
                    for (PatchStatus.PatchedFunction f : o.functions()) {
                        out.printf("    %s%s%n", f.name(), f.sympos() > 0 ? " (sympos " + f.sympos() + ")" : "");
                    }
                }
                java.util.Set<String> patched = lp.patchedFunctions(p.name());
                for (BlockingTask t : blocking) out.printf("  blocking task %s%n", t.describe(patched));
            }
            out.flush();
        }
    }

    @Command(name = "signal", mixinStandardHelpOptions = true,
            description = {"Signal the tasks blocking every livepatch transition in progress, and name them.",
                    "Writes 1 to /sys/kernel/livepatch/NAME/signal; kernels since 5.1 have no such file and signal"
                            + " those tasks themselves every 15 s."})
    static final class Signal implements Runnable {
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            Livepatcher lp = opts.livepatcher(err(spec));
            Livepatcher.Signalled s = Failures.call(lp::signal);
            // Only one transition runs at a time: its tasks are the ones still short of its target state.
            List<BlockingTask> blocking = new ArrayList<>();
            java.util.Set<String> patched = new java.util.HashSet<>();
            for (PatchStatus p : Failures.call(lp::list)) {
                if (!p.inTransition()) continue;
                blocking.addAll(lp.blockingTasks(p.enabled() ? 1 : 0));
                patched.addAll(lp.patchedFunctions(p.name()));
            }
            PrintWriter out = out(spec);
            if (opts.json) {
                Map<String, Object> j = new LinkedHashMap<>();
                j.put("signalled", s.signalled());
                j.put("signalledByKernel", s.automatic());
                j.put("blockingTasks", tasksJson(blocking));
                out.println(Json.write(j));
            } else if (s.signalled().isEmpty() && s.automatic().isEmpty()) {
                out.println("no livepatch transition in progress");
            } else {
                if (!s.signalled().isEmpty()) out.println("signalled the tasks blocking " + String.join(", ", s.signalled()));
                if (!s.automatic().isEmpty()) {
                    out.println("this kernel signals the tasks blocking " + String.join(", ", s.automatic())
                            + " itself (every 15 s); nothing to write");
                }
                for (BlockingTask t : blocking) out.printf("  blocking task %s%n", t.describe(patched));
            }
            out(spec).flush();
        }
    }

    @Command(name = "install", mixinStandardHelpOptions = true,
            description = "Keep a livepatch module so klp4j.service loads it at every boot of its kernel, in install order.")
    static final class Install implements Runnable {
        @Parameters(paramLabel = "X.ko") Path module;
        @Option(names = {"-k", "--kernel", "--kernel-version"}, paramLabel = "RELEASE",
                description = "Release to install for (default: the one the module was built for).") String kernel;
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            if (kernel != null) Failures.call(() -> KernelRelease.resolve(kernel));
            PatchStore.Installed i = Failures.call(() -> opts.patchStore().install(module, kernel));
            if (opts.json) out(spec).println(Json.write(installedJson(i)));
            else out(spec).printf("installed %s for %s as %s%n", i.name(), i.release(), i.file());
            out(spec).flush();
        }
    }

    @Command(name = "uninstall", mixinStandardHelpOptions = true,
            description = "Stop loading a patch at boot and delete its kept module (a loaded patch stays loaded: 'klp4j unload').")
    static final class Uninstall implements Runnable {
        @Parameters(paramLabel = "NAME") String name;
        @Option(names = {"-k", "--kernel", "--kernel-version"}, paramLabel = "RELEASE", description = "Release (default: the running kernel's).") String kernel;
        @Mixin RuntimeOptions opts;
        @Spec CommandSpec spec;

        @Override
        public void run() {
            String release = kernel != null ? Failures.call(() -> KernelRelease.resolve(kernel)) : opts.sys().release();
            PatchStore.Installed i = Failures.call(() -> opts.patchStore().uninstall(name, release));
            if (opts.json) out(spec).println(Json.write(installedJson(i)));
            else out(spec).printf("uninstalled %s for %s%s%n", i.name(), i.release(),
                    Files.isDirectory(opts.sys().patch(name)) ? " (still loaded: 'klp4j unload " + name + "')" : "");
            out(spec).flush();
        }
    }

    static Map<String, Object> installedJson(PatchStore.Installed i) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("name", i.name());
        j.put("release", i.release());
        j.put("file", i.file().toString());
        return j;
    }

    static List<Object> tasksJson(List<BlockingTask> tasks) {
        List<Object> out = new ArrayList<>();
        for (BlockingTask t : tasks) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("pid", t.pid());
            m.put("comm", t.comm());
            m.put("patchState", t.patchState());
            m.put("stack", t.stack());
            out.add(m);
        }
        return out;
    }

}
