package dev.klp4j.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Symbol;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rule of the differ on tiny objects compiled by gcc in the test. */
class DifferRulesTest {
    @TempDir
    Path tmp;

    private static final String HEADER = """
            #define noinline __attribute__((noinline))
            #define __init __attribute__((section(".init.text"), cold, __noinline__))
            #define notrace __attribute__((no_instrument_function))
            extern int sink(int);
            extern void warn_slowpath_fmt(const char *file, int line, const char *fmt, ...);
            """;

    private static Optional<Symbol> defined(ElfFile f, String name) {
        return f.symbols().stream().filter(s -> s.name().equals(name) && s.section() != null).findFirst();
    }

    private static Optional<Symbol> undefined(ElfFile f, String name) {
        return f.symbols().stream().filter(s -> s.name().equals(name) && s.isUndefined()).findFirst();
    }

    /** The metadata as {@code klp4j diff -o} writes it. */
    private static String meta(DiffResult r) {
        return new String(PatchObjectFile.json(r.patch().meta()), StandardCharsets.UTF_8);
    }

    @Test
    void aFunctionAndItsAliasGetOneFtraceEntry() throws Exception {
        // 6.1.190's uvesafb fix: module_init(uvesafb_init) on a non-__init function makes
        // init_module an alias of it. Two __mcount_loc entries for one call site made ftrace
        // fail at the patch module's load ("ftrace failed to modify ... actual: 0f:1f:44:00:00")
        // and disable itself for the whole kernel.
        String orig = HEADER + """
                int uvesafb_init(void) { return sink(1) + 1; }
                int init_module(void) __attribute__((alias("uvesafb_init")));
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("sink(1) + 1", "sink(1) + 2"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        ElfFile out = r.patch().elf();
        dev.klp4j.elf.RelocationSection mcount = out.relocationSections().stream()
                .filter(rs -> rs.target() != null && rs.target().name().equals("__mcount_loc")).findFirst().orElseThrow();
        assertThat(mcount.relocations()).hasSize(1);
        assertThat(out.section("__mcount_loc").orElseThrow().data()).hasSize(8);
    }

    @Test
    void changedFunctionIsKeptAndUnchangedOneIsAReference() throws Exception {
        String orig = HEADER + """
                static noinline int helper(int x) { return sink(x) * 3; }
                int foo(int x) { return helper(x) + 1; }
                int bar(int x) { return sink(x) * 2; }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("helper(x) + 1", "helper(x) + 7"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("foo");
        assertThat(r.added()).isEmpty();
        ElfFile out = r.patch().elf();
        assertThat(defined(out, "foo")).isPresent();
        assertThat(defined(out, "foo").get().isLocal()).as("a carried function is local to the patch").isTrue();
        assertThat(defined(out, "bar")).as("unchanged, unreferenced function").isEmpty();
        assertThat(undefined(out, "bar")).isEmpty();
        assertThat(defined(out, "helper")).as("unchanged function foo calls").isEmpty();
        Symbol ref = undefined(out, "helper").orElseThrow();
        assertThat(ref.isLocal()).as("references are global even when the original was static").isFalse();
        dev.klp4j.elf.RelocationSection mcount = out.relocationSections().stream()
                .filter(rs -> rs.target() != null && rs.target().name().equals("__mcount_loc")).findFirst().orElseThrow();
        assertThat(mcount.relocations()).as("the carried function's ftrace call is recorded")
                .singleElement().satisfies(rel -> assertThat(rel.symbol().name()).isEqualTo("foo"));
        assertThat(meta(r)).contains("\"name\":\"foo\",\"status\":\"changed\"")
                .contains("{\"name\":\"helper\",\"type\":\"FUNC\",\"wasLocal\":true,\"sympos\":1}");
    }

    /** EXPORT_SYMBOL as Linux 6.5+ (include/linux/export.h) writes it: one record per export in .export_symbol. */
    private static final String EXPORTS = """
            #define EXPORT_SYMBOL_GPL(sym) asm(".section \\".export_symbol\\",\\"a\\"\\n__export_symbol_" #sym ":\\n" \\
                    ".asciz \\"GPL\\"\\n.ascii \\"\\\\0\\"\\n.balign 8\\n.quad " #sym "\\n.previous")
            """;

    /**
     * A fix that exports a new function (corpus 6.12 fix 001, cppc_acpi.c): the patch module exports
     * it, so its record stays; the records of existing exports go, or the module would export a
     * second definition of a kernel symbol and fail to load.
     */
    @Test
    void aNewExportKeepsItsRecordAndExistingExportsDropTheirs() throws Exception {
        String orig = HEADER + EXPORTS + """
                int get_sel(int x) { return sink(x) + 1; }
                EXPORT_SYMBOL_GPL(get_sel);
                int set_sel(int x) { return sink(x) * 2; }
                EXPORT_SYMBOL_GPL(set_sel);
                """;
        String patched = HEADER + EXPORTS + """
                int get_sel(int x) { return sink(x) + 3; }
                EXPORT_SYMBOL_GPL(get_sel);
                int sel_is_immutable(int x) { return sink(x) == 4; }
                EXPORT_SYMBOL_GPL(sel_is_immutable);
                int set_sel(int x) { return sink(x) * 2; }
                EXPORT_SYMBOL_GPL(set_sel);
                """;
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).as(String.join("; ", r.reasons())).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("get_sel");
        assertThat(r.added()).containsExactly("sel_is_immutable");
        ElfFile out = r.patch().elf();
        dev.klp4j.elf.Section records = out.section(".export_symbol").orElseThrow();
        assertThat(records.size()).as("one record: label, \"GPL\\0\", \"\\0\", padding, 8-byte reference").isEqualTo(16);
        assertThat(new String(records.data(), 0, 3, StandardCharsets.US_ASCII)).isEqualTo("GPL");
        Symbol label = defined(out, "__export_symbol_sel_is_immutable").orElseThrow();
        assertThat(label.section()).isSameAs(records);
        assertThat(label.value()).isZero();
        assertThat(defined(out, "__export_symbol_get_sel")).isEmpty();
        assertThat(defined(out, "__export_symbol_set_sel")).isEmpty();
        dev.klp4j.elf.RelocationSection rs = out.relocationSections().stream()
                .filter(x -> x.target() == records).findFirst().orElseThrow();
        assertThat(rs.relocations()).singleElement().satisfies(rel -> {
            assertThat(rel.offset()).isEqualTo(8);
            assertThat(rel.symbol().name()).isEqualTo("sel_is_immutable");
        });
    }

    /**
     * A .cold piece is not a function: it jumps back into its parent. When only the parent changed,
     * the running kernel's .cold would jump back into the old parent, in the middle of its code
     * and with the new parent's stack frame; the patch carries the piece with its parent (corpus
     * 6.12 fix 001, acpi_cppc_processor_probe.cold).
     */
    @Test
    void anUnchangedColdPieceOfAChangedFunctionIsCarriedWithIt() throws Exception {
        String orig = HEADER + """
                extern void report(const char *, int) __attribute__((cold));
                int foo(int x, int y) {
                    int r = sink(x);
                    if (__builtin_expect(r > 100, 0)) { report("big", r); r = -5; goto out; }
                    r += sink(y) * 3;
                out:
                    return r + 1;
                }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("r + 1;", "r + 2;"));
        assertThat(r.outcome()).as(String.join("; ", r.reasons())).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("foo");
        ElfFile out = r.patch().elf();
        assertThat(defined(out, "foo.cold")).as("the piece foo jumps to, and which jumps back into foo").isPresent();
        assertThat(undefined(out, "foo.cold")).isEmpty();
        assertThat(meta(r)).doesNotContain("\"name\":\"foo.cold\",\"status\":\"changed\"");
    }

    @Test
    void identicalObjectsHaveNoPatchableChange() throws Exception {
        String src = HEADER + "int foo(int x) { return sink(x) + 1; }\n";
        DiffResult r = Gcc.diff(tmp, src, src);
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.NO_CHANGE);
        assertThat(r.patch()).isNull();
    }

    @Test
    void newFunctionIsReportedAndCarried() throws Exception {
        String orig = HEADER + "int foo(int x) { return sink(x) + 1; }\n";
        String patched = HEADER + """
                static noinline int extra(int x) { return sink(x ^ 5) - 2; }
                int foo(int x) { return sink(x) + extra(x); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("foo");
        assertThat(r.added()).containsExactly("extra");
        assertThat(defined(r.patch().elf(), "extra")).isPresent();
    }

    /**
     * New code alone runs only if something can call it: a rename whose callers are outside the
     * patch (6.1.190's trace_events.c) is not reachable; a new export is, in 6.1's ksymtab form
     * (the dma-buf repro) and 6.5+'s records, for modules loaded later.
     */
    @Test
    void newCodeIsReachableOnlyThroughARedirectACallbackOrAnExport() throws Exception {
        String orig = HEADER + "int foo(int x) { return sink(x) + 1; }\n";
        String added = orig + "int update_all(int x) { return sink(x) * 3; }\n";
        DiffResult plain = Gcc.diff(tmp, orig, added);
        assertThat(plain.outcome()).as("another object of the patch may call it").isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(plain.changed()).isEmpty();
        assertThat(plain.patch().reachable()).isFalse();

        String ksymtab = "asm(\".section \\\"___ksymtab_gpl+update_all\\\", \\\"a\\\"\\n.balign 4\\n__ksymtab_update_all:\\n"
                + ".long update_all - .\\n.previous\");\n";
        assertThat(Gcc.diff(tmp, orig, added + ksymtab).patch().reachable()).as("6.1's EXPORT_SYMBOL").isTrue();
        assertThat(Gcc.diff(tmp, HEADER + EXPORTS + "int foo(int x) { return sink(x) + 1; }\n",
                HEADER + EXPORTS + "int foo(int x) { return sink(x) + 1; }\nint update_all(int x) { return sink(x) * 3; }\n"
                        + "EXPORT_SYMBOL_GPL(update_all);\n").patch().reachable()).as("6.5+'s EXPORT_SYMBOL").isTrue();
        assertThat(Gcc.diff(tmp, orig, HEADER + "int foo(int x) { return sink(x) + 2; }\n").patch().reachable()).as("redirected").isTrue();
    }

    @Test
    void staticLocalIsCorrelatedByItsUserAndStaysAReference() throws Exception {
        String orig = HEADER + """
                int other(void) { static int count = 5; return sink(count--); }
                int counter(void) { static int count; count++; return sink(count); }
                """;
        // A new static local in front renumbers the others in the patched object.
        String patched = HEADER + """
                int early(void) { static int count = 9; return sink(count++); }
                int other(void) { static int count = 5; return sink(count--); }
                int counter(void) { static int count; count += 2; return sink(count); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        DiffResult r = Differ.diff(o, Gcc.compile(tmp, "patched", patched), DiffOptions.defaults());
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("counter");
        assertThat(r.added()).containsExactly("early");
        // The reference names counter's variable as the original object calls it.
        List<String> origStatics = o.symbols().stream().filter(s -> s.isObject() && s.name().startsWith("count."))
                .map(Symbol::name).toList();
        assertThat(origStatics).hasSize(2);
        List<String> refs = r.patch().elf().symbols().stream().filter(s -> s.isUndefined() && s.name().startsWith("count."))
                .map(Symbol::name).toList();
        assertThat(refs).hasSize(1);
        assertThat(origStatics).contains(refs.get(0));
        assertThat(r.patch().elf().symbols().stream().filter(s -> s.name().startsWith("count.") && s.section() != null))
                .as("counter's static local is not copied").hasSize(1); // early's new one only
    }

    @Test
    void staticsThatReachStaticsArePairedThroughTheChain() throws Exception {
        // tda18250_probe's regmap config points at a volatile table that points at its ranges, all
        // static locals; GCC lays them out innermost first. A fix elsewhere in the file (6.1.190's
        // tda18250_pll_calc) was refused: "its static local variable tda18250_yes_ranges.37 has no
        // counterpart".
        String probe = """
                struct range { int lo, hi; };
                struct table { const struct range *yes; int n; };
                struct config { int bits; const struct table *volatile_table; };
                int probe(int x)
                {
                	static const struct range yes_ranges[] = { { 1, 2 }, { 5, 9 } };
                	static const struct table volatile_table = { .yes = yes_ranges, .n = 2 };
                	static const struct config cfg = { .bits = 8, .volatile_table = &volatile_table };
                	return sink((long)&cfg + x);
                }
                """;
        String orig = HEADER + probe + "int calc(int exp) { if (exp > 5) exp = 0; return sink(1 << exp); }\n";
        String patched = HEADER + probe + "int calc(int exp) { if (exp == 0 || exp > 5) exp = 1; return sink(1 << (exp - 1)); }\n";
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("calc");
    }

    @Test
    void aGrownInitTableIsRefusedAsInitDataNotForItsSize() throws Exception {
        // atkbd_dmi_quirk_table and dell_quirks (__initconst) gained entries in 6.1.190: they were
        // read once at boot, which is what the refusal must say.
        String table = "struct quirk { int id; int flags; };\n"
                + "static const struct quirk quirks[] __attribute__((section(\".init.rodata\"), used)) = { %s };\n"
                + "int __init setup(void) { return sink(quirks[0].flags); }\n"
                + "int foo(int x) { return sink(x); }\n";
        DiffResult r = Gcc.diff(tmp, HEADER + table.formatted("{ 1, 2 }"), HEADER + table.formatted("{ 1, 2 }, { 3, 4 }"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).anySatisfy(x -> assertThat(x).startsWith("quirks: changed init data (.init.rodata)"))
                .noneSatisfy(x -> assertThat(x).contains("changed size"));
    }

    @Test
    void aNewPciQuirkEntryIsRefusedNamingThePciCore() throws Exception {
        // 6.1.190's drivers/pci/quirks.c: three DECLARE_PCI_FIXUP_HEADER lines (asm into
        // .pci_fixup_header, as 6.1's PREL32 form does) for a hook that exists already.
        String fixup = "#define FIXUP(dev) asm(\".section .pci_fixup_header, \\\"a\\\"\\n.balign 16\\n.short 0x17cb, \" #dev \"\\n"
                + ".long 0, 0\\n.long quirk_no_bus_reset - .\\n.previous\\n\")\n"
                + "void quirk_no_bus_reset(void *dev) { sink(1); }\n"
                + "FIXUP(0x1101);\n";
        DiffResult r = Gcc.diff(tmp, HEADER + fixup, HEADER + fixup + "FIXUP(0x1103);\n");
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).singleElement().satisfies(x -> assertThat(x).startsWith(".pci_fixup_header: PCI quirk entries added")
                .contains("take a reboot"));
    }

    @Test
    void changedInitFunctionIsRefused() throws Exception {
        String orig = HEADER + """
                int __init setup(void) { return sink(1); }
                int foo(int x) { return sink(x); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("sink(1)", "sink(2)"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.patch()).isNull();
        assertThat(r.reasons()).singleElement().asString().contains("setup").contains("__init").contains("callback");
    }

    @Test
    void changedExitFunctionSaysItRunsAtUnloadNotThatItRan() throws Exception {
        // tipc_exit (corpus fix 045), amd_uncore_exit: __exit code never "ran at boot"; it runs at unload, without fentry.
        String orig = HEADER + """
                notrace void __attribute__((section(".exit.text"), cold)) teardown(void) { sink(1); }
                int foo(int x) { return sink(x); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("sink(1)", "sink(2)"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).singleElement().asString().startsWith("teardown: changed __exit function (.exit.text)")
                .contains("only when its module is unloaded").doesNotContain("ran at boot");
    }

    @Test
    void changedFunctionWithoutFentryIsRefused() throws Exception {
        String orig = HEADER + "notrace int quiet(int x) { return sink(x) + 1; }\nint loud(int x) { return sink(x) + 2; }\n";
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("+ 1", "+ 4"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).singleElement().asString().startsWith("quiet: changed function has no fentry call (notrace)")
                .contains("it is global, and klp4j replaces the callers of such a function only within its object; patch its callers instead");
    }

    @Test
    void aChangedFunctionOfAnObjectBuiltWithoutFtraceSaysSo() throws Exception {
        // lib/string.o's memchr_inv: lib/'s Makefile removes -pg, so no function of the object has fentry.
        String orig = HEADER + "notrace noinline int quiet(int x) { return sink(x) + 1; }\nnotrace int caller(int x) { return quiet(x) * 2; }\n";
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("+ 1", "+ 4"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).singleElement().asString().startsWith("quiet: changed function has no fentry call: its object is built without"
                + " ftrace").contains("neither it nor any caller in the object can be redirected").doesNotContain("patch its callers instead");
    }

    @Test
    void changedDataInitialValueIsRefused() throws Exception {
        String orig = HEADER + """
                int limit = 10;
                int foo(int x) { return sink(x + limit); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("limit = 10", "limit = 20"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).singleElement().asString().contains("limit").contains("shadow variable");
    }

    @Test
    void newDataIsCarried() throws Exception {
        String orig = HEADER + "int foo(int x) { return sink(x); }\n";
        String patched = HEADER + """
                int fresh_limit = 42;
                int foo(int x) { return sink(x + fresh_limit); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.newData()).containsExactly("fresh_limit");
        assertThat(defined(r.patch().elf(), "fresh_limit")).isPresent();
    }

    @Test
    void removedStaticLocalReferenceIsRefused() throws Exception {
        String orig = HEADER + "int counter(int x) { static int seen; seen += x; return sink(seen); }\n";
        String patched = HEADER + "int counter(int x) { return sink(x); }\n";
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).anySatisfy(s -> assertThat(s).contains("counter").contains("static local").contains("seen"));
    }

    @Test
    void functionMovedToInitSectionIsRefused() throws Exception {
        String orig = HEADER + "noinline int setup(void) { return sink(1); }\n";
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("noinline int setup", "int __init setup"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).anySatisfy(s -> assertThat(s).contains("setup").contains("moved"));
    }

    @Test
    void onlyLineNumbersInWarnCallsIsNoChange() throws Exception {
        String orig = HEADER + """
                int foo(int x) {
                    if (x > 3)
                        warn_slowpath_fmt("foo.c", __LINE__, "bad %d", x);
                    return sink(x);
                }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        ElfFile p = Gcc.compile(tmp, "patched", orig.replace("int foo(int x) {", "\n\n\nint foo(int x) {"));
        assertThat(o.section(".text.foo").orElseThrow().data())
                .as("the line number is in the code").isNotEqualTo(p.section(".text.foo").orElseThrow().data());
        DiffResult r = Differ.diff(o, p, DiffOptions.defaults());
        assertThat(r.outcome()).as("changed %s reasons %s", r.changed(), r.reasons()).isEqualTo(DiffResult.Outcome.NO_CHANGE);
    }

    @Test
    void onlyTheLineOfASourcePositionInAStringIsNoChange() throws Exception {
        // FORTIFY_SOURCE's memcpy check passes "field \"x\" at " __FILE__ ":" __LINE__ to its warning:
        // a blank line above (kpatch's warn-detect-FAIL test, on arch/x86/kvm/x86.c) changes only that.
        String orig = HEADER + """
                #line 1 "arch/x86/kvm/x86.c"
                #define __stringify_1(x) #x
                #define __stringify(x) __stringify_1(x)
                extern void field_warning(const char *field, int x);
                int foo(int x) {
                    if (x > 3)
                        field_warning("field \\"x\\" at " __FILE__ ":" __stringify(__LINE__), x);
                    return sink(x);
                }
                """;
        DiffResult shifted = Gcc.diff(tmp, orig, orig.replace("int foo(int x) {", "\n\nint foo(int x) {"));
        assertThat(shifted.outcome()).as("changed %s", shifted.changed()).isEqualTo(DiffResult.Outcome.NO_CHANGE);
        // The same string naming another field, or another file, is a change.
        assertThat(Gcc.diff(tmp, orig, orig.replace("field \\\"x\\\"", "field \\\"y\\\"")).changed()).containsExactly("foo");
        assertThat(Gcc.diff(tmp, orig, orig.replace("\" __FILE__ \":\"", "\" \"arch/x86/kvm/mmu.c\" \":\"")).changed()).containsExactly("foo");
    }

    @Test
    void shiftedUniqueIdCountersAreNoChange() throws Exception {
        // The kernel's __UNIQUE_ID(prefix) appends __COUNTER__: one more id earlier in the file
        // (an export, a pr_debug, a max()) renumbers every later one, e.g. dynamic-debug descriptors.
        String orig = HEADER + """
                #define __PASTE(a, b) a##b
                #define PASTE(a, b) __PASTE(a, b)
                #define __UNIQUE_ID(p) PASTE(__UNIQUE_ID_, PASTE(p, __COUNTER__))
                struct desc { const char *fmt; int line; };
                extern void report(struct desc *d, int x);
                #define __dbg(id, x) do { static struct desc id __attribute__((section("__dyndbg"), used)) = { "x=%d", __LINE__ }; report(&id, x); } while (0)
                #define dbg(x) __dbg(__UNIQUE_ID(ddebug), x)
                int foo(int x) { dbg(x); return sink(x); }
                """;
        String patched = orig.replace("int foo(int x)", "static int __UNIQUE_ID(pad) __attribute__((used));\n\nint foo(int x)");
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        ElfFile p = Gcc.compile(tmp, "patched", patched);
        assertThat(o.symbols()).as("the descriptor's name carries the counter").anyMatch(s -> s.name().startsWith("__UNIQUE_ID_ddebug0"));
        assertThat(p.symbols()).anyMatch(s -> s.name().startsWith("__UNIQUE_ID_ddebug1"));
        DiffResult r = Differ.diff(o, p, DiffOptions.defaults());
        assertThat(r.outcome()).as("changed %s reasons %s", r.changed(), r.reasons()).isEqualTo(DiffResult.Outcome.NO_CHANGE);
    }

    @Test
    void shiftedBtfIdCountersAreNoChange() throws Exception {
        // BTF_ID(struct, name) pastes __COUNTER__ and __LINE__ onto its symbol; code reads the id
        // resolve_btfids writes there. A header that adds a unique id renumbers it (6.12.118's
        // srcu.h: route.o's ip6_route_init was refused as a changed __init function).
        String orig = HEADER + """
                #define __PASTE(a, b) a##b
                #define PASTE(a, b) __PASTE(a, b)
                #define __ID(p) PASTE(PASTE(p, __COUNTER__), __LINE__)
                #define __UNIQUE_ID(p) PASTE(__UNIQUE_ID_, PASTE(p, __COUNTER__))
                #define BTF_ID(prefix, name) BTF_ID_(__ID(__BTF_ID__##prefix##__##name##__))
                #define BTF_ID_(symbol) __BTF_ID(symbol)
                #define __BTF_ID(symbol) asm(".pushsection .BTF_ids,\\"a\\";\\n.local " #symbol "\\n.type " #symbol ", STT_OBJECT\\n.size " #symbol ", 4\\n" #symbol ":\\n.zero 4\\n.popsection;\\n");
                #define BTF_ID_LIST(name) asm(".pushsection .BTF_ids,\\"a\\";\\n.local " #name "\\n" #name ":\\n.popsection;\\n"); extern unsigned int name[];
                BTF_ID_LIST(ids)
                BTF_ID(struct, fib6_info)
                int foo(int x) { return sink(x + (int)ids[0]); }
                """;
        String patched = orig.replace("BTF_ID_LIST(ids)", "static int __UNIQUE_ID(pad) __attribute__((used));\nBTF_ID_LIST(ids)");
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        ElfFile p = Gcc.compile(tmp, "patched", patched);
        String before = o.symbols().stream().map(Symbol::name).filter(n -> n.startsWith("__BTF_ID__")).findFirst().orElseThrow();
        String after = p.symbols().stream().map(Symbol::name).filter(n -> n.startsWith("__BTF_ID__")).findFirst().orElseThrow();
        assertThat(after).as("the id's name carries the counter").isNotEqualTo(before).startsWith("__BTF_ID__struct__fib6_info__");
        DiffResult r = Differ.diff(o, p, DiffOptions.defaults());
        assertThat(r.outcome()).as("changed %s reasons %s", r.changed(), r.reasons()).isEqualTo(DiffResult.Outcome.NO_CHANGE);
        // Another type's id is a change.
        assertThat(Differ.diff(o, Gcc.compile(tmp, "other", orig.replace("fib6_info", "rt6_info")), DiffOptions.defaults()).changed())
                .containsExactly("foo");
    }

    @Test
    void aPieceGccSplitsOffAChangedFunctionBelongsToIt() throws Exception {
        String orig = HEADER + """
                extern int g;
                int helper(int x)
                {
                    for (int i = 0; i < x; i++) g += sink(i * x);
                    g += sink(x) * sink(x + 1);
                    return sink(g);
                }
                int a1(int x) { return helper(x) + 1; }
                int a2(int x) { return helper(x + 2) + 3; }
                int a3(int x) { return helper(x * 3) + 5; }
                """;
        // The new fast path makes gcc inline helper's head into its callers and split off the rest.
        String patched = orig.replace("{\n    for (int i", "{\n    if (__builtin_expect(g == 0, 1))\n        return 0;\n    for (int i");
        ElfFile p = Gcc.compile(tmp, "patched", patched);
        assertThat(p.symbols()).as("gcc split helper").anyMatch(s -> s.name().startsWith("helper.part."));
        DiffResult r = Differ.diff(Gcc.compile(tmp, "orig", orig), p, DiffOptions.defaults());
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).contains("helper", "a1", "a2", "a3");
        assertThat(r.added()).as("the split piece is part of helper, not a new function").isEmpty();
        assertThat(r.patch().elf().symbols()).as("and is carried with it")
                .anyMatch(s -> s.name().startsWith("helper.part.") && s.isFunction() && s.section() != null);
    }

    @Test
    void anUntraceableStaticIsCarriedAsACopyAndItsCallersAreReplaced() throws Exception {
        // A header's static inline that gcc kept out of line is notrace: the kernel cannot redirect it.
        String orig = HEADER + """
                static notrace noinline int helper(int x) { return sink(x) + 1; }
                int f1(int x) { return helper(x) * 2; }
                int f2(int x) { return helper(x + 1) - 3; }
                int f3(int x) { return sink(x); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("return sink(x) + 1;", "return sink(x) + 5;"));
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).as("the callers are redirected, not the copy").containsExactlyInAnyOrder("f1", "f2");
        assertThat(r.added()).isEmpty();
        assertThat(defined(r.patch().elf(), "helper")).as("the new body is carried").isPresent();
        assertThat(undefined(r.patch().elf(), "helper")).as("and the callers call it, not the kernel's").isEmpty();
        assertThat(meta(r)).contains("\"name\":\"helper\",\"status\":\"copy\"");
    }

    @Test
    void aJumpBackIntoAnUntraceableStaticFromItsAlternativeIsNoPointer() throws Exception {
        // SYSCALL_DEFINE's __do_sys_swapoff on Debian 13: a notrace inline kept out of line whose
        // alternatives' replacement code jumps back into its middle. That is its own control flow;
        // its callers (__x64_sys_swapoff) are replaced as for any other untraceable static.
        String orig = HEADER + """
                static notrace noinline int helper(int x) {
                    int y = sink(x);
                    asm volatile("1:\\n.pushsection .altinstr_replacement,\\"ax\\"\\njmp 1b\\n.popsection\\n");
                    return y + 1;
                }
                int f1(int x) { return helper(x) * 2; }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("return y + 1;", "return y + 5;"));
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("f1");
        assertThat(meta(r)).contains("\"name\":\"helper\",\"status\":\"copy\"");
    }

    @Test
    void codeThatUsesARuntimeConstantIsRefused() throws Exception {
        // arch/x86/include/asm/runtime-const.h (6.11+): a placeholder the kernel rewrites in
        // vmlinux's text at boot only; a carried copy would dereference 0x0123456789abcdef.
        String orig = HEADER + """
                #define runtime_const_ptr(sym) ({ typeof(sym) __ret; \\
                        asm("mov %1,%0\\n1:\\n.pushsection runtime_ptr_" #sym ",\\"a\\"\\n\\t.long 1b - %c2 - .\\n.popsection" \\
                            : "=r" (__ret) : "i" ((unsigned long)0x0123456789abcdefull), "i" (sizeof(long))); __ret; })
                static int *dentry_hashtable;
                int lookup(int x) { return runtime_const_ptr(dentry_hashtable)[x] + 1; }
                int other(int x) { return sink(x); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("[x] + 1;", "[x] + 2;"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).anySatisfy(m -> assertThat(m).startsWith("lookup: uses the runtime constant dentry_hashtable,"));

        DiffResult elsewhere = Gcc.diff(tmp, orig, orig.replace("return sink(x); }", "return sink(x) + 3; }"));
        assertThat(elsewhere.reasons()).as("a function that does not use it is patched as ever").isEmpty();
        assertThat(elsewhere.changed()).containsExactly("other");
    }

    @Test
    void anUntraceableStaticWhoseAddressIsStoredIsStillRefused() throws Exception {
        String orig = HEADER + """
                static notrace noinline int helper(int x) { return sink(x) + 1; }
                int (*hook)(int) = helper;
                int f1(int x) { return helper(x) * 2; }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("return sink(x) + 1;", "return sink(x) + 5;"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).anySatisfy(m -> assertThat(m).contains("helper").contains("no fentry")
                .contains("its address is stored in hook (data)").doesNotContain("patch its callers instead"));
    }

    @Test
    void aLineNumberArgumentIsNoChangeButAnotherArgumentOfTheSameCallIs() throws Exception {
        // ext4_iget(sb, ino, flags) is __ext4_iget(sb, ino, flags, __func__, __LINE__): the line is the 5th argument.
        String orig = HEADER + """
                extern void *__ext4_iget(void *sb, unsigned long ino, int flags, const char *function, unsigned int line);
                void *get(void *sb, unsigned long ino) { return __ext4_iget(sb, ino, 2, __func__, __LINE__); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        DiffResult moved = Differ.diff(o, Gcc.compile(tmp, "moved", orig.replace("void *get(", "\n\nvoid *get(")), DiffOptions.defaults());
        assertThat(moved.outcome()).as("changed %s", moved.changed()).isEqualTo(DiffResult.Outcome.NO_CHANGE);
        DiffResult flags = Differ.diff(o, Gcc.compile(tmp, "flags", orig.replace("ino, 2, __func__", "ino, 3, __func__")
                .replace("void *get(", "\n\nvoid *get(")), DiffOptions.defaults());
        assertThat(flags.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(flags.changed()).containsExactly("get");
    }

    @Test
    void otherImmediateChangesNearWarnCallsAreChanges() throws Exception {
        String orig = HEADER + """
                extern void report(const char *file, int value, const char *fmt, ...);
                int foo(int x) {
                    if (x > 3)
                        report("foo.c", 100, "bad %d", x);
                    return sink(x);
                }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("100", "200"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("foo");
    }

    @Test
    void addressOfAReplacedFunctionStillPointsAtTheKernelsCopy() throws Exception {
        String orig = HEADER + """
                int handler(int x) { return sink(x) + 1; }
                typedef int (*fn)(int);
                fn pick(int x) { return sink(x) ? handler : 0; }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("sink(x) + 1", "sink(x) + 2").replace("sink(x) ? handler", "sink(x + 1) ? handler"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactlyInAnyOrder("handler", "pick");
        assertThat(defined(r.patch().elf(), "handler")).as("the new body is carried").isPresent();
        assertThat(undefined(r.patch().elf(), "handler")).as("&handler refers to the kernel's function").isPresent();
    }

    @Test
    void changedConstantInAMergeableSectionChangesItsUser() throws Exception {
        String orig = HEADER + """
                double scale(double x) { return x * 1.5; }
                double other(double x) { return x * 4.25; }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        ElfFile p = Gcc.compile(tmp, "patched", orig.replace("1.5", "2.5"));
        assertThat(o.section(".text.scale").orElseThrow().data())
                .as("the constant is not in the code").isEqualTo(p.section(".text.scale").orElseThrow().data());
        DiffResult r = Differ.diff(o, p, DiffOptions.defaults());
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("scale");
    }

    @Test
    void staticLocalWithoutCounterpartIsRefused() throws Exception {
        String orig = HEADER + """
                static noinline int tick(void) { static int ticks; return sink(++ticks); }
                int foo(void) { return tick() + 1; }
                """;
        String patched = HEADER + """
                int foo(void) { static int ticks; return sink(++ticks) + 1; }
                """;
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).anySatisfy(s -> assertThat(s).contains("tick").contains("ticks").contains("shadow variable"));
    }

    @Test
    void specialSectionKeepsOnlyEntriesOfCarriedFunctions() throws Exception {
        // A 12-byte __bug_table entry per site: bug_addr (PC32), file, line, flags.
        String orig = HEADER + """
                #define BUG_SITE(line) asm volatile("1: ud2\\n.pushsection __bug_table,\\"aw\\"\\n" \\
                        ".long 1b - .\\n.long 0\\n.word " #line ", 0\\n.popsection")
                int foo(int x) { if (x > 5) BUG_SITE(10); return sink(x); }
                int bar(int x) { if (x > 7) BUG_SITE(20); return sink(x * 2); }
                int baz(int x) { if (x > 9) BUG_SITE(30); return sink(x * 3); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        assertThat(o.section("__bug_table").orElseThrow().size()).isEqualTo(36);
        DiffResult r = Differ.diff(o, Gcc.compile(tmp, "patched", orig.replace("sink(x * 2)", "sink(x * 4)")), DiffOptions.defaults());
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("bar");
        assertThat(r.specialEntries()).containsEntry("__bug_table", 1);
        ElfFile out = r.patch().elf();
        dev.klp4j.elf.Section table = out.section("__bug_table").orElseThrow();
        assertThat(table.size()).isEqualTo(12);
        assertThat(table.data()[8]).as("the kept entry is bar's (line 20)").isEqualTo((byte) 20);
        dev.klp4j.elf.RelocationSection rela = out.relocationsFor(table).orElseThrow();
        assertThat(rela.relocations()).singleElement().satisfies(rel -> {
            assertThat(rel.offset()).isZero();
            assertThat(rel.symbol().section()).isSameAs(out.section(".text.bar").orElseThrow());
        });
    }

    @Test
    void specialSectionEntrySizeComesFromTheOptions() throws Exception {
        String orig = HEADER + """
                #define SITE() asm volatile("1: nop\\n.pushsection .parainstructions,\\"a\\"\\n" \\
                        ".quad 1b\\n.quad 0\\n.popsection")
                int foo(int x) { SITE(); return sink(x); }
                int bar(int x) { SITE(); return sink(x * 2); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        ElfFile p = Gcc.compile(tmp, "patched", orig.replace("sink(x * 2)", "sink(x * 4)"));
        DiffResult r16 = Differ.diff(o, p, DiffOptions.defaults());
        assertThat(r16.specialEntries()).containsEntry(".parainstructions", 1);
        assertThat(r16.patch().elf().section(".parainstructions").orElseThrow().size()).isEqualTo(16);
        DiffResult r8 = Differ.diff(o, p, DiffOptions.defaults().withStructSizes(StructSizes.defaults().with("para=8")));
        assertThat(r8.patch().elf().section(".parainstructions").orElseThrow().size()).as("para=8: one 8-byte entry").isEqualTo(8);
    }

    @Test
    void unchangedDataSharingASectionWithNewDataStaysTheKernels() throws Exception {
        String orig = HEADER + """
                #define __read_mostly __attribute__((section(".data..read_mostly")))
                int limit __read_mostly = 10;
                int foo(int x) { return sink(x + limit); }
                """;
        String patched = HEADER + """
                #define __read_mostly __attribute__((section(".data..read_mostly")))
                int limit __read_mostly = 10;
                int extra __read_mostly = 3;
                int foo(int x) { return sink(x + limit + extra); }
                """;
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.newData()).containsExactly("extra");
        ElfFile out = r.patch().elf();
        dev.klp4j.elf.RelocationSection rela = out.relocationsFor(out.section(".text.foo").orElseThrow()).orElseThrow();
        assertThat(rela.relocations()).anySatisfy(rel -> {
            assertThat(rel.symbol().name()).isEqualTo("limit");
            assertThat(rel.symbol().isUndefined()).as("the kernel's limit, not a copy").isTrue();
        });
        assertThat(rela.relocations()).anySatisfy(rel -> {
            assertThat(rel.symbol().name()).isEqualTo("extra");
            assertThat(rel.symbol().section()).isNotNull();
        });
    }

    @Test
    void lastSpecialEntryWithoutTailPaddingIsAnEntry() throws Exception {
        // 12-byte paravirt sites padded to 16 in the array; the last one is not padded.
        String orig = HEADER + """
                #define SITE() asm volatile("1: nop\\n.pushsection .parainstructions,\\"a\\"\\n" \\
                        ".balign 8\\n.quad 1b\\n.long 7\\n.popsection")
                int foo(int x) { SITE(); return sink(x); }
                int bar(int x) { SITE(); return sink(x * 2); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        assertThat(o.section(".parainstructions").orElseThrow().size()).isEqualTo(28);
        DiffResult r = Differ.diff(o, Gcc.compile(tmp, "patched", orig.replace("sink(x * 2)", "sink(x * 4)")), DiffOptions.defaults());
        assertThat(r.changed()).containsExactly("bar");
        assertThat(r.specialEntries()).containsEntry(".parainstructions", 1);
        assertThat(r.patch().elf().section(".parainstructions").orElseThrow().size()).isEqualTo(12);
    }

    @Test
    void newGlobalDataAloneIsAPatch() throws Exception {
        String orig = HEADER + "int foo(int x) { return sink(x); }\n";
        DiffResult r = Gcc.diff(tmp, orig, orig + "int shared_counter = 5;\n");
        assertThat(r.outcome()).as("a new global other objects of the patch may use").isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.newData()).containsExactly("shared_counter");
        assertThat(r.changed()).isEmpty();
    }

    @Test
    void droppingTheLastUseOfAConstantIsFine() throws Exception {
        String orig = HEADER + """
                double scale(double x) { return x * 1.5; }
                double other(double x) { return x * 4.25; }
                """;
        String patched = HEADER + """
                double scale(double x) { return x + x; }
                double other(double x) { return x * 4.25; }
                """;
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("scale");
    }

    @Test
    void fixupKeepsOnlyTheStubsOfKeptExceptionEntries() throws Exception {
        // Old-style exception table: insn, fixup (into .fixup), handler; each stub loads a marker.
        String orig = HEADER + """
                #define EX(n) asm volatile("1: nop\\n.pushsection .fixup,\\"ax\\"\\n3: mov $" #n ", %%eax\\njmp 2f\\n.popsection\\n" \\
                        ".pushsection __ex_table,\\"a\\"\\n.long 1b - .\\n.long 3b - .\\n.long 0\\n.popsection\\n2:" ::: "eax")
                int foo(int x) { EX(1); return sink(x); }
                int bar(int x) { EX(2); return sink(x * 2); }
                int baz(int x) { EX(3); return sink(x * 3); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        assertThat(o.section(".fixup").orElseThrow().size()).isEqualTo(30);
        DiffResult r = Differ.diff(o, Gcc.compile(tmp, "patched", orig.replace("sink(x * 2)", "sink(x * 4)")), DiffOptions.defaults());
        assertThat(r.changed()).containsExactly("bar");
        assertThat(r.specialEntries()).containsEntry("__ex_table", 1).containsEntry(".fixup", 1);
        ElfFile out = r.patch().elf();
        dev.klp4j.elf.Section fixup = out.section(".fixup").orElseThrow();
        assertThat(fixup.size()).isEqualTo(10);
        assertThat(fixup.data()[0] & 0xff).as("mov $imm32, %%eax").isEqualTo(0xb8);
        assertThat(fixup.data()[1]).as("bar's stub").isEqualTo((byte) 2);
        dev.klp4j.elf.RelocationSection ex = out.relocationsFor(out.section("__ex_table").orElseThrow()).orElseThrow();
        assertThat(ex.relocations()).filteredOn(rel -> rel.symbol().section() == fixup)
                .singleElement().satisfies(rel -> assertThat(rel.addend()).isZero());
        dev.klp4j.elf.RelocationSection back = out.relocationsFor(fixup).orElseThrow();
        assertThat(back.relocations()).singleElement()
                .satisfies(rel -> assertThat(rel.symbol().section()).isSameAs(out.section(".text.bar").orElseThrow()));
    }

    @Test
    void jumpLabelOnAModulesOwnKeyIsRefusedWhenPatchingThatModule() throws Exception {
        String orig = HEADER + """
                struct static_key { int enabled; } my_key;
                #define JL(l) asm goto("1: .byte 0x0f,0x1f,0x44,0x00,0x00\\n.pushsection __jump_table,\\"aw\\"\\n" \\
                        ".balign 8\\n.long 1b - .\\n.long %l[" #l "] - .\\n.quad my_key - .\\n.popsection" : : : : l)
                int foo(int x) { JL(yes); return sink(x); yes: return sink(x + 1); }
                """;
        ElfFile o = Gcc.compile(tmp, "orig", orig);
        ElfFile p = Gcc.compile(tmp, "patched", orig.replace("sink(x + 1)", "sink(x + 2)"));
        DiffOptions jump16 = DiffOptions.defaults().withStructSizes(StructSizes.defaults().with("jump=16"));
        DiffResult vmlinux = Differ.diff(o, p, jump16);
        assertThat(vmlinux.outcome()).as("reasons %s", vmlinux.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(vmlinux.specialEntries()).containsEntry("__jump_table", 1);
        DiffResult module = Differ.diff(o, p, jump16.withObjectName("mymod"));
        assertThat(module.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(module.reasons()).singleElement().asString().contains("my_key").contains("mymod").contains("static_key_enabled");
    }

    @Test
    void removedGlobalDataIsRefused() throws Exception {
        String orig = HEADER + """
                int legacy_mode = 1;
                int foo(int x) { return sink(x + legacy_mode); }
                """;
        String patched = HEADER + "int foo(int x) { return sink(x); }\n";
        DiffResult r = Gcc.diff(tmp, orig, patched);
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(r.reasons()).singleElement().asString().contains("legacy_mode").contains("removed");
    }

    @Test
    void specialStaticsAreFreshCopiesNotReferences() throws Exception {
        String orig = HEADER + """
                int foo(int x) {
                    static int __already_done;
                    static int calls;
                    calls++;
                    if (!__already_done) { __already_done = 1; sink(-1); }
                    return sink(x + calls);
                }
                """;
        DiffResult r = Gcc.diff(tmp, orig, orig.replace("sink(x + calls)", "sink(x * calls)"));
        assertThat(r.outcome()).as("reasons %s", r.reasons()).isEqualTo(DiffResult.Outcome.PATCH);
        ElfFile out = r.patch().elf();
        assertThat(out.symbols()).as("the once-flag is the patch's own")
                .anySatisfy(s -> { assertThat(s.name()).startsWith("__already_done."); assertThat(s.section()).isNotNull(); });
        assertThat(out.symbols()).as("the counter is the kernel's")
                .anySatisfy(s -> { assertThat(s.name()).startsWith("calls."); assertThat(s.isUndefined()).isTrue(); });
        assertThat(r.newData()).isEmpty();
    }
}
