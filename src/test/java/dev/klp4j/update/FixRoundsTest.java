package dev.klp4j.update;

import static dev.klp4j.update.SourceFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.pipeline.Step;
import dev.klp4j.vm.GuestReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decide step's rounds with a fake decider over a real cut: what is decided in which batch,
 * what is tried again with what it needs, and how each fix is recorded once.
 */
class FixRoundsTest {
    @TempDir Path tmp;


    /**
     * fs/a.c changes a function and adds a_helper; fs/b.c needs its changed b.h; drivers/c.c calls
     * a_helper; include/x.h and include/y.h meet in one object; include/z.h changes nothing.
     */
    private UpdateCut cut() throws IOException {
        return trees((r, newer) -> {
            write(r, "fs/a.c", newer ? "int a(void) { return 2; }\nint a_helper(int x)\n{ return x; }\n" : "int a(void) { return 1; }\n");
            // b.h adds B, which b.c's fix uses (a name new to it, not a value it changes)
            write(r, "fs/b.h", newer ? "#define A0 1\n#define B 2\n" : "#define A0 1\n");
            write(r, "fs/b.c", "#include \"b.h\"\nint b(void) { return " + (newer ? "B + 1" : "1") + "; }\n");
            write(r, "drivers/c.c", newer ? "int a_helper(int);\nint c(void) { return a_helper(3); }\n" : "int c(void) { return 3; }\n");
            for (String h : List.of("x", "y", "z")) write(r, "include/linux/" + h + ".h", "#define " + h.toUpperCase() + (newer ? " 2\n" : " 1\n"));
        });
    }

    interface TreeWriter { void write(Path root, boolean newer) throws IOException; }

    /** The cut between an older and a newer tree, each written by {@code w}. */
    private UpdateCut trees(TreeWriter w) throws IOException {
        Path a = tmp.resolve("old"), b = tmp.resolve("new");
        w.write(a, false);
        w.write(b, true);
        return UpdateCut.ofTrees(tmp.resolve("cut"), a, b);
    }

    private static FixDecision decision(Fix f, FixStatus s, String reason) {
        return new FixDecision(f.id(), f.files(), List.of(), s, reason, List.of(), List.of());
    }

    /** Answers as a kernel build of these fixes would, and logs each call. */
    static final class Fake implements FixRounds.Decider {
        final List<String> calls = new ArrayList<>();

        @Override
        public Map<String, FixDecider.Decided> decideBatch(List<Fix> fixes) {
            calls.add("batch " + fixes.stream().map(Fix::id).toList());
            Map<String, FixDecider.Decided> out = new LinkedHashMap<>();
            for (Fix f : fixes) {
                switch (f.id()) {
                    case "fs/a.c" -> out.put(f.id(), decided(f, FixStatus.LIVE_PATCHED, null));
                    case "fs/b.c" -> out.put(f.id(), new FixDecider.Decided(FixDecider.Kind.DEPENDENT,
                            decision(f, FixStatus.NEEDS_REBOOT, "does not compile without other changes of the update: fs/b.c:2: error: 'B' undeclared")));
                    case "drivers/c.c" -> out.put(f.id(), new FixDecider.Decided(FixDecider.Kind.DEPENDENT, decision(f, FixStatus.NEEDS_REBOOT,
                            "needs a symbol the running kernel does not have (another change of the update adds it): "
                                    + "klp4j could not link (drivers/c.o): a_helper: referenced by the patch but neither exported nor found in vmlinux's symbols")));
                    case "include/linux/x.h", "include/linux/y.h" -> out.put(f.id(), decided(
                            new Fix("include/linux/x.h", List.of("include/linux/x.h", "include/linux/y.h"), ""), FixStatus.LIVE_PATCHED, null));
                    default -> out.put(f.id(), decided(f, FixStatus.NO_CHANGE, "no patchable change"));
                }
            }
            return out;
        }

        @Override
        public FixDecider.Decided decide(Fix fix) {
            calls.add("alone " + fix.files());
            return decided(fix, FixStatus.LIVE_PATCHED, null);
        }
    }

    @Test
    void dependentFixesAreTriedWithWhatTheyNeedAndFixesDecidedAsOneAreListedOnce() throws IOException {
        UpdateCut cut = cut();
        FixCutter.Cut fixes = FixCutter.cut(cut);
        Fake fake = new Fake();
        List<String> lines = new ArrayList<>();
        UpdateOptions o = new UpdateOptions();
        o.cacheRoot = tmp.resolve("cache");
        List<FixDecision> out = new FixRounds(o, listener(lines), (release, template, work, cache, l) -> fake)
                .decideAll("6.1.0-99-amd64", cut, fixes);

        assertThat(fake.calls).containsExactly(
                "batch [drivers/c.c, fs/a.c, fs/b.c]",
                "alone [fs/a.c, drivers/c.c]",         // c.c with the fix that adds a_helper
                "alone [fs/b.h, fs/b.c]",              // b.c with the header it includes
                "batch [include/linux/x.h, include/linux/y.h, include/linux/z.h]"); // b.h went with b.c
        assertThat(out).hasSize(5);
        Map<String, FixDecision> byId = new LinkedHashMap<>();
        out.forEach(d -> byId.put(d.id(), d));
        assertThat(byId).containsOnlyKeys("drivers/c.c", "fs/a.c", "fs/b.c", "include/linux/x.h", "include/linux/z.h");
        assertThat(byId.get("drivers/c.c").files()).containsExactly("fs/a.c", "drivers/c.c");
        assertThat(byId.get("fs/b.c").files()).containsExactly("fs/b.h", "fs/b.c");
        assertThat(byId.get("include/linux/x.h").files()).as("decided as one, listed once").containsExactly("include/linux/x.h", "include/linux/y.h");
        assertThat(byId.get("include/linux/z.h").status()).isEqualTo(FixStatus.NO_CHANGE);
        // every fix counted, b.h (taken along) not: the bar ends at its total
        assertThat(lines).last().asString().startsWith("6/6 ");
    }

    @Test
    void aHeaderThatChangesALayoutIsLeftOutWhenTheFixCompilesWithoutIt() throws IOException {
        // fs/e.c and fs/g.c include l.h (a struct grows: refused from the source) and m.h (a macro);
        // e.c compiles with m.h alone, g.c with neither.
        UpdateCut cut = trees((r, newer) -> {
            write(r, "fs/l.h", newer ? "struct l { int a; int b; };\n" : "struct l { int a; };\n");
            write(r, "fs/m.h", newer ? "#define M0 1\n#define M 2\n" : "#define M0 1\n");
            for (String c : List.of("e", "g")) {
                write(r, "fs/" + c + ".c", "#include \"l.h\"\n#include \"m.h\"\nint " + c + "(void) { return " + (newer ? "M + 1" : "1") + "; }\n");
            }
        });
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> f.id().endsWith(".c")
                        ? dependent(f, "does not compile without other changes of the update: " + f.id() + ":3: error: 'M' undeclared")
                        : decided(f, FixStatus.NO_CHANGE, "no patchable change"),
                fix -> {
                    calls.add("alone " + fix.files());
                    return fix.id().equals("fs/e.c") ? decided(fix, FixStatus.LIVE_PATCHED, null) : dependent(fix, "does not compile");
                });
        List<FixDecision> out = decideAll(cut, fake);
        assertThat(calls).containsExactly("alone [fs/m.h, fs/e.c]", "alone [fs/m.h, fs/g.c]");
        Map<String, FixDecision> byId = new LinkedHashMap<>();
        out.forEach(d -> byId.put(d.id(), d));
        assertThat(byId.get("fs/e.c").status()).isEqualTo(FixStatus.LIVE_PATCHED);
        assertThat(byId.get("fs/e.c").files()).containsExactly("fs/m.h", "fs/e.c");
        assertThat(byId.get("fs/g.c").status()).isEqualTo(FixStatus.NEEDS_REBOOT);
        assertThat(byId.get("fs/g.c").reason()).startsWith("does not compile without other changes of the update, even with fs/m.h;"
                + " it includes the changed fs/l.h, which cannot be live patched: ").contains("struct l");
    }

    @Test
    void aDependentFixIsFirstTriedWithOnlyTheHeadersThatAddWhatItsErrorNames() throws IOException {
        // 6.1.190's mlx5 main.c calls the new mlx5_ib_qp_event_init (declared in its qp.h) and also
        // includes a changed header that 25,000 files include: with both it is not decided.
        UpdateCut cut = trees((r, newer) -> {
            write(r, "fs/qp.h", newer ? "int qp_event_init(void);\nint qp_other(void);\n" : "int qp_other(void);\n");
            write(r, "fs/wide.h", newer ? "#define WIDE 2\n" : "#define WIDE 1\n");
            write(r, "fs/main.c", "#include \"qp.h\"\n#include \"wide.h\"\nint f(void) { return " + (newer ? "qp_event_init()" : "0") + "; }\n");
            write(r, "fs/qpc.c", "#include \"qp.h\"\nint qp_other(void) { return 1; }\n" + (newer ? "int qp_event_init(void)\n{ return 0; }\n" : ""));
        });
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> f.id().equals("fs/main.c")
                        ? dependent(f, "does not compile without other changes of the update: fs/main.c:3:37: error: implicit declaration of"
                                + " function \u2018qp_event_init\u2019")
                        : decided(f, f.id().equals("fs/qpc.c") ? FixStatus.LIVE_PATCHED : FixStatus.NO_CHANGE, null),
                fix -> {
                    calls.add("alone " + fix.files());
                    // With qp.h it compiles, and links once qpc.c (which adds qp_event_init) comes along.
                    return fix.files().contains("fs/qpc.c") ? decided(fix, FixStatus.LIVE_PATCHED, null)
                            : dependent(fix, "needs a symbol the running kernel does not have (another change of the update adds it): klp4j"
                                    + " could not link (fs/main.o): qp_event_init: referenced by the patch but neither exported nor found in vmlinux's symbols");
                });
        List<FixDecision> out = decideAll(cut, fake);
        assertThat(calls).containsExactly("alone [fs/qp.h, fs/main.c]", "alone [fs/qpc.c, fs/qp.h, fs/main.c]");
        assertThat(out).filteredOn(d -> d.id().equals("fs/main.c")).singleElement()
                .satisfies(d -> assertThat(d.status()).isEqualTo(FixStatus.LIVE_PATCHED));
    }

    @Test
    void aFixIsJoinedWithTheDefinersOfWhatItLacksOneAfterAnother() throws IOException {
        // 6.12.118: af_rose.c calls rose_assign_lci, which rose_route.c adds and which calls
        // rose_neigh_init_timers, which rose_link.c makes global (it was static and inlined).
        UpdateCut cut = trees((r, newer) -> {
            write(r, "net/rose/af.c", "unsigned r_assign(int);\nint c(void) { return " + (newer ? "r_assign(1)" : "0") + "; }\n");
            write(r, "net/rose/route.c", "void r_timers(int);\n" + (newer ? "unsigned r_assign(int x)\n{ r_timers(x); return 1; }\n" : "int r_old;\n"));
            write(r, "net/rose/link.c", (newer ? "" : "static ") + "void r_timers(int x)\n{ }\nint l(void) { return 2; }\n");
        });
        String lacks = "needs a symbol the running kernel does not have (another change of the update adds it): ";
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> switch (f.id()) {
                    case "net/rose/af.c" -> dependent(f, lacks + "r_assign: referenced by the patch but neither exported nor found in rose");
                    case "net/rose/route.c" -> dependent(f, lacks + "r_timers: referenced by the patch but neither exported nor found in rose");
                    default -> decided(f, FixStatus.NO_CHANGE, "no patchable change: only adds r_timers");
                },
                fix -> {
                    calls.add("alone " + fix.files());
                    return fix.files().contains("net/rose/link.c") ? decided(fix, FixStatus.LIVE_PATCHED, null)
                            : dependent(fix, lacks + "r_timers: referenced by the patch but neither exported nor found in rose");
                });
        List<FixDecision> out = decideAll(cut, fake);
        assertThat(calls).contains(
                "alone [net/rose/route.c, net/rose/af.c]",
                "alone [net/rose/link.c, net/rose/route.c, net/rose/af.c]");
        assertThat(out).filteredOn(d -> d.id().equals("net/rose/af.c")).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(FixStatus.LIVE_PATCHED);
            assertThat(d.files()).containsExactly("net/rose/link.c", "net/rose/route.c", "net/rose/af.c");
        });
        assertThat(out).filteredOn(d -> d.id().equals("net/rose/route.c")).singleElement()
                .satisfies(d -> assertThat(d.status()).as("the static function made global is its definer").isEqualTo(FixStatus.LIVE_PATCHED));
    }

    @Test
    void fixesOfOneDirectoryThatEachNeedTheOthersAreDecidedAsOne() throws IOException {
        // 6.12.118's netrom: netrom.h changes nr_output's prototype (nr_out.c defines it, af_netrom.c
        // calls it) and adds nr_negotiate_window for af_netrom.c and nr_in.c. Each alone fails.
        UpdateCut cut = trees((r, newer) -> {
            write(r, "include/net/nr.h", newer ? "int nr_output(int);\nstatic inline void nr_window(void) { }\n" : "void nr_output(int);\n");
            // af.c includes ip.h too, whose own change its users outside netrom need (route.c's fix)
            write(r, "include/net/ip.h", newer ? "int ip_mtu_configured(void);\n" : "int ip_mtu(void);\n");
            write(r, "net/nr/af.c", "#include <net/ip.h>\n#include <net/nr.h>\nint s(void) { "
                    + (newer ? "nr_window(); return nr_output(1);" : "nr_output(1); return 0;") + " }\n");
            write(r, "net/nr/in.c", "#include <net/nr.h>\nvoid i(void) { " + (newer ? "nr_window();" : "") + " }\n");
            write(r, "net/nr/out.c", "#include <net/nr.h>\n" + (newer ? "int nr_output(int x)\n{ return x; }\n" : "void nr_output(int x)\n{ }\n"));
            write(r, "net/other/x.c", "int x(void) { return " + (newer ? "2" : "1") + "; }\n");
        });
        String dependent = "does not compile without other changes of the update: ";
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> switch (f.id()) {
                    case "net/nr/af.c", "net/nr/in.c" -> dependent(f, dependent + f.id() + ":2:9: error: implicit declaration of function \u2018nr_window\u2019");
                    case "net/nr/out.c" -> decided(f, FixStatus.NEEDS_REBOOT, "the patch cannot be live patched safely (klp4j review); unsafe interface"
                            + " net/nr/out.c nr_output(): nr_output: its prototype changes from 'void (int)' to 'int (int)', and code the patch does"
                            + " not replace still uses it: net/nr/af.o: s");
                    default -> decided(f, FixStatus.LIVE_PATCHED, null);
                },
                fix -> {
                    calls.add("alone " + fix.files());
                    if (fix.files().contains("include/net/ip.h")) {
                        return dependent(fix, dependent + "net/ipv4/route.c:1361:38: error: implicit declaration of function \u2018ip_mtu\u2019");
                    }
                    return fix.files().containsAll(List.of("net/nr/af.c", "net/nr/in.c", "net/nr/out.c", "include/net/nr.h"))
                            ? decided(fix, FixStatus.LIVE_PATCHED, null)
                            : dependent(fix, dependent + fix.id() + ":2:22: error: conflicting types for \u2018nr_output\u2019");
                });
        List<FixDecision> out = decideAll(cut, fake);
        assertThat(calls).last().isEqualTo("alone [include/net/nr.h, net/nr/af.c, net/nr/in.c, net/nr/out.c]");
        assertThat(out).filteredOn(d -> d.files().contains("net/nr/out.c")).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo(FixStatus.LIVE_PATCHED);
            assertThat(d.files()).containsExactlyInAnyOrder("include/net/nr.h", "net/nr/af.c", "net/nr/in.c", "net/nr/out.c");
        });
        assertThat(out).extracting(FixDecision::id).doesNotContain("net/nr/in.c", "net/nr/out.c").contains("net/other/x.c");
    }

    @Test
    void fixesOfOneDirectoryRefusedTogetherEachSayWhatRefusesTheJoinNotTheirCompileError() throws IOException {
        // 6.12.118's nilfs2: page.h changes nilfs_clear_dirty_pages's prototype for page.c and
        // inode.c; alone each fails to compile, together they change nilfs_aops, an ops table.
        UpdateCut cut = trees((r, newer) -> {
            write(r, "fs/ni/page.h", newer ? "void ni_clear(int, int);\n" : "void ni_clear(int);\n");
            write(r, "fs/ni/page.c", "#include \"page.h\"\nvoid ni_clear(int a" + (newer ? ", int b" : "") + ")\n{ }\n");
            write(r, "fs/ni/inode.c", "#include \"page.h\"\nvoid ev(void) { ni_clear(1" + (newer ? ", 0" : "") + "); }\n");
        });
        String dependent = "does not compile without other changes of the update: ";
        String aops = "the patch cannot be live patched; fs/ni/inode.o: ni_aops: read-only data changed (.rodata.ni_aops) but it cannot be"
                + " carried with its readers: it holds function pointers";
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> f.id().endsWith(".h") ? decided(f, FixStatus.NEEDS_REBOOT, dependent + "fs/ni/inode.c:2:20: error: too few arguments to function \u2018ni_clear\u2019")
                        : dependent(f, dependent + f.id() + ":2:6: error: conflicting types for \u2018ni_clear\u2019"),
                fix -> {
                    calls.add("alone " + fix.files());
                    return fix.files().containsAll(List.of("fs/ni/page.h", "fs/ni/page.c", "fs/ni/inode.c"))
                            ? decided(fix, FixStatus.NEEDS_REBOOT, aops)
                            : dependent(fix, dependent + fix.id() + ":2:6: error: conflicting types for \u2018ni_clear\u2019");
                });
        List<FixDecision> out = decideAll(cut, fake);
        assertThat(calls).last().asString().contains("fs/ni/page.h", "fs/ni/page.c", "fs/ni/inode.c");
        assertThat(out).filteredOn(d -> d.id().endsWith(".c")).hasSize(2).allSatisfy(d -> {
            assertThat(d.status()).isEqualTo(FixStatus.NEEDS_REBOOT);
            assertThat(d.reason()).startsWith("needs the other changes of fs/ni (").contains("and with them: " + aops).doesNotContain("error:");
            assertThat(d.files()).as("each fix keeps its own files").hasSize(1);
        });
    }

    @Test
    void aFixThatRemovesAFunctionOthersCallIsTriedWithTheirFixes() throws IOException {
        // 6.1.190: sch_generic.c turns qdisc_free into qdisc_free_rcu, sch_api.c calls the new one;
        // trace_events.c renames trace_event_eval_update, and trace.c (notrace) cannot follow.
        UpdateCut cut = trees((r, newer) -> {
            write(r, "net/gen.c", newer ? "void q_free_rcu(int *q)\n{ }\n" : "void q_free(int *q)\n{ }\n");
            write(r, "net/api.c", "void q_free" + (newer ? "_rcu" : "") + "(int *q);\nvoid destroy(int *q) { q_free" + (newer ? "_rcu" : "") + "(q); }\n");
            write(r, "kernel/events.c", newer ? "void update_all(void)\n{ }\n" : "void eval_update(void)\n{ }\n");
            write(r, "kernel/trace.c", "void eval_update(void);\nvoid work(void) { " + (newer ? "update_all" : "eval_update") + "(); }\n");
            write(r, "kernel/cold.c", newer ? "void cold_new(void)\n{ }\n" : "void cold_old(void)\n{ }\n");
        });
        String removes = "the patch cannot be live patched safely (klp4j review); unsafe interface %s: %s: global function the patch"
                + " removes (renamed, moved or made inline), but code the patch does not replace still calls it and keeps running the old one: %s";
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> switch (f.id()) {
                    case "net/gen.c" -> decided(f, FixStatus.NEEDS_REBOOT, removes.formatted("net/gen.c", "q_free", "net/api.c"));
                    case "kernel/events.c" -> decided(f, FixStatus.NEEDS_REBOOT, removes.formatted("kernel/events.c", "eval_update", "kernel/trace.c"));
                    // its caller is no fix of the update: nothing to join
                    case "kernel/cold.c" -> decided(f, FixStatus.NEEDS_REBOOT, removes.formatted("kernel/cold.c", "cold_old", "kernel/unchanged.c"));
                    case "kernel/trace.c" -> decided(f, FixStatus.NEEDS_REBOOT, "work: changed function has no fentry call");
                    default -> decided(f, FixStatus.LIVE_PATCHED, null);
                },
                fix -> {
                    calls.add("alone " + fix.files());
                    return fix.files().contains("kernel/trace.c") ? decided(fix, FixStatus.NEEDS_REBOOT, "work: changed function has no fentry call")
                            : decided(fix, FixStatus.LIVE_PATCHED, null);
                });
        Map<String, FixDecision> byId = new LinkedHashMap<>();
        decideAll(cut, fake).forEach(d -> byId.put(d.id(), d));
        assertThat(calls).containsExactly("alone [kernel/events.c, kernel/trace.c]", "alone [net/gen.c, net/api.c]");
        assertThat(byId.get("net/gen.c").status()).isEqualTo(FixStatus.LIVE_PATCHED);
        assertThat(byId.get("net/gen.c").files()).containsExactly("net/gen.c", "net/api.c");
        assertThat(byId.get("kernel/events.c").status()).isEqualTo(FixStatus.NEEDS_REBOOT);
        assertThat(byId.get("kernel/events.c").reason()).as("the first reason stands").endsWith("keeps running the old one: kernel/trace.c");
        assertThat(byId.get("kernel/cold.c").files()).containsExactly("kernel/cold.c");
        assertThat(FixCutter.oldCallers(removes.formatted("a.c", "f", "fs/x/inode.o: statfs"))).as("an object of the patch: no file").isEmpty();
    }

    @Test
    void joinedCallersThatDoNotCompileAreTriedWithTheChangedHeadersTheyInclude() throws IOException {
        // 6.1.190: sch_generic.c + sch_api.c compile only with sch_generic.h's new qdisc_free_rcu.
        UpdateCut cut = trees((r, newer) -> {
            write(r, "net/sch.h", newer ? "void q_free_rcu(int *q);\n" : "void q_free(int *q);\n");
            write(r, "net/gen.c", "#include \"sch.h\"\n" + (newer ? "void q_free_rcu(int *q)\n{ }\n" : "void q_free(int *q)\n{ }\n"));
            write(r, "net/api.c", "#include \"sch.h\"\nvoid destroy(int *q) { q_free" + (newer ? "_rcu" : "") + "(q); }\n");
        });
        String removes = "the patch cannot be live patched safely (klp4j review); unsafe interface net/gen.c: q_free: global function the patch"
                + " removes (renamed, moved or made inline), but code the patch does not replace still calls it and keeps running the old one: net/api.c";
        List<String> calls = new ArrayList<>();
        FixRounds.Decider fake = decider(
                f -> f.id().equals("net/gen.c") ? decided(f, FixStatus.NEEDS_REBOOT, removes)
                        : dependent(f, "does not compile without other changes of the update: net/api.c:2:24: error: implicit declaration of"
                                + " function \u2018q_free_rcu\u2019"),
                fix -> {
                    calls.add("alone " + fix.files());
                    return fix.files().contains("net/sch.h") && fix.files().contains("net/gen.c") ? decided(fix, FixStatus.LIVE_PATCHED, null)
                            : fix.files().contains("net/sch.h") ? decided(fix, FixStatus.NEEDS_REBOOT, removes.replace("net/gen.c", "net/sch.h"))
                            : dependent(fix, "does not compile without other changes of the update: net/api.c:2:24: error: implicit"
                                    + " declaration of function \u2018q_free_rcu\u2019");
                });
        Map<String, FixDecision> byId = new LinkedHashMap<>();
        decideAll(cut, fake).forEach(d -> byId.put(d.id(), d));
        assertThat(calls).contains("alone [net/gen.c, net/api.c]", "alone [net/sch.h, net/gen.c, net/api.c]");
        assertThat(byId.get("net/gen.c").status()).isEqualTo(FixStatus.LIVE_PATCHED);
        assertThat(byId.get("net/gen.c").files()).containsExactly("net/sch.h", "net/gen.c", "net/api.c");
    }

    /** A decider that answers each fix of a batch with {@code inBatch} and a fix alone with {@code alone}. */
    private static FixRounds.Decider decider(java.util.function.Function<Fix, FixDecider.Decided> inBatch,
            java.util.function.Function<Fix, FixDecider.Decided> alone) {
        return new FixRounds.Decider() {
            @Override
            public Map<String, FixDecider.Decided> decideBatch(List<Fix> fixes) {
                Map<String, FixDecider.Decided> out = new LinkedHashMap<>();
                for (Fix f : fixes) out.put(f.id(), inBatch.apply(f));
                return out;
            }

            @Override
            public FixDecider.Decided decide(Fix fix) {
                return alone.apply(fix);
            }
        };
    }

    private static FixDecider.Decided decided(Fix f, FixStatus s, String reason) {
        return new FixDecider.Decided(FixDecider.Kind.DECIDED, decision(f, s, reason));
    }

    private static FixDecider.Decided dependent(Fix f, String reason) {
        return new FixDecider.Decided(FixDecider.Kind.DEPENDENT, decision(f, FixStatus.NEEDS_REBOOT, reason));
    }

    /** Every fix of {@code cut} decided by {@code fake}, as an update of a made-up release would. */
    private List<FixDecision> decideAll(UpdateCut cut, FixRounds.Decider fake) {
        UpdateOptions o = new UpdateOptions();
        o.cacheRoot = tmp.resolve("cache");
        return new FixRounds(o, listener(new ArrayList<>()), (release, template, work, cache, l) -> fake).decideAll("6.1.0-99-amd64", cut, FixCutter.cut(cut));
    }

    private static UpdateListener listener(List<String> lines) {
        return new UpdateListener() {
            @Override public void decided(int done, int total, FixDecision d, double eta) { lines.add(done + "/" + total + " " + d.id()); }
            @Override public void proofPhase(GuestReport.Phase phase) { }
            @Override public void started(String step) { }
            @Override public void progress(String step, String message) { }
            @Override public void finished(Step step) { }
            @Override public void note(String line) { }
        };
    }
}
