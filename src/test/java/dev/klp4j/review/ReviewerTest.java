package dev.klp4j.review;

import dev.klp4j.source.SourceHunk;
import dev.klp4j.source.TreeSearch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.base.Toolchain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The review's rules on objects gcc compiles with debug info (as kbuild does), read by pahole and pfunct. */
class ReviewerTest {
    @TempDir Path dir;

    private Path compile(String name, String source) throws IOException {
        Path c = dir.resolve(name + ".c"), o = dir.resolve(name + ".o");
        Files.writeString(c, source);
        Toolchain.Result r = Toolchain.HOST.run(dir, List.of("gcc", "-g", "-O2", "-ffunction-sections", "-fdata-sections", "-c", c.toString(), "-o", o.toString()), Map.of(), new byte[0]);
        assertThat(r.ok()).as(r.output()).isTrue();
        return o;
    }

    private List<Finding> review(String before, String after, List<String> changed, List<SourceHunk> hunks) throws IOException {
        ObjectPair pair = new ObjectPair("drivers/x/x.o", compile("before", before), compile("after", after), changed, List.of(), Map.of());
        // These cases give no hunks: every changed function would count as inlining fan-out (info).
        return new Reviewer(Toolchain.HOST).review(hunks, List.of(pair)).findings().stream().filter(f -> f.rule() != Rule.INLINING_FANOUT).toList();
    }

    static final String CONTEXT = """
            #include <stdlib.h>
            struct ctx { int users; long flags; };
            struct ctx *ctx_new(void) { return calloc(1, sizeof(struct ctx)); }
            int ctx_flagged(struct ctx *c) { return c->flags != 0 && c->users > 0; }
            """;

    @Test
    void aFieldInsertedIntoAStructIsUnsafe() throws IOException {
        String after = CONTEXT.replace("int users; long flags;", "int users; int closing; long flags;")
                .replace("c->users > 0", "c->users > 0 && !c->closing");
        List<Finding> f = review(CONTEXT, after, List.of("ctx_flagged", "ctx_new"), List.of());
        assertThat(f).extracting(Finding::rule, Finding::severity, Finding::type)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(Rule.TYPE_LAYOUT, Severity.UNSAFE, "struct ctx"));
        assertThat(f.get(0).message()).contains("new member closing at 4").doesNotContain("size").doesNotContain("flags moved")
                .as("a member in what was padding moves nothing: old objects never set it")
                .contains("nothing moves, but objects allocated before the patch never set the new member(s)").doesNotContain("wrong offsets");
        assertThat(f.get(0).remedy()).contains("shadow variable");
    }

    @Test
    void anonymousUnionsAreMatchedInOrderNotAllWithTheFirst() throws IOException {
        // 6.1.190's struct bpf_func_proto: a bool into padding, before two anonymous unions that stay where they were.
        String before = """
                struct proto { long (*func)(long); _Bool gpl_only; _Bool pkt_access; int ret_type;
                  union { struct { int arg1_type; int arg2_type; }; int arg_type[2]; };
                  union { struct { int *arg1_btf_id; int *arg2_btf_id; }; int *arg_btf_id[2]; }; };
                int proto_ret(struct proto *p) { return p->ret_type + p->arg2_type; }
                """;
        String after = before.replace("_Bool pkt_access;", "_Bool pkt_access; _Bool might_sleep;")
                .replace("p->ret_type + p->arg2_type", "p->ret_type + p->arg2_type + p->might_sleep");
        List<Finding> f = review(before, after, List.of("proto_ret"), List.of());
        assertThat(f).singleElement().satisfies(x -> assertThat(x.message()).contains("new member might_sleep at 10")
                .doesNotContain("moved").contains("nothing moves"));
    }

    @Test
    void aFieldThatMovesOthersIsReadAtTheWrongOffsets() throws IOException {
        String after = CONTEXT.replace("int users; long flags;", "int users; long closing; long flags;")
                .replace("c->users > 0", "c->users > 0 && !c->closing");
        List<Finding> f = review(CONTEXT, after, List.of("ctx_flagged", "ctx_new"), List.of());
        assertThat(f).singleElement().satisfies(x -> assertThat(x.message()).contains("size 16 -> 24").contains("flags moved 8 -> 16")
                .contains("would read and write them at the wrong offsets"));
    }

    @Test
    void theSameCodeChangeWithoutTheNewFieldIsNotFlagged() throws IOException {
        String after = CONTEXT.replace("c->users > 0", "c->users > 1");
        assertThat(review(CONTEXT, after, List.of("ctx_flagged"), List.of())).isEmpty();
    }

    static final String API = """
            int api_check(int v) { return v > 3; }
            static int helper(int v) { return v * 7; }
            struct ops { int (*fn)(int); };
            const struct ops table = { .fn = helper };
            int user(int v) { return helper(v) + 1; }
            """;

    @Test
    void anExportedFunctionWithNewParametersIsUnsafe() throws IOException {
        String exported = API + "int __ksymtab_api_check;\n"; // what EXPORT_SYMBOL(api_check) defines
        String after = exported.replace("int api_check(int v) { return v > 3; }", "int api_check(int v, int limit) { return v > limit; }");
        List<Finding> f = review(exported, after, List.of("api_check"), List.of());
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.rule()).isEqualTo(Rule.INTERFACE);
            assertThat(x.severity()).isEqualTo(Severity.UNSAFE);
            assertThat(x.function()).isEqualTo("api_check");
            assertThat(x.message()).contains("exported").contains("int (int)").contains("int (int, int)");
        });
    }

    @Test
    void aGlobalFunctionIsUnsafeWhileAnotherPatchedObjectStillCallsTheOldInterface() throws IOException {
        // minix_count_free_blocks() made to return a negative error: minix_statfs (another object) is
        // compiled as a header user, its code does not change, so the patch keeps the old caller.
        String before = "unsigned long count_free(int *map) { return map[0]; }\n";
        String after = "long count_free(int *map) { return map ? map[0] : -5; }\n";
        String caller = "unsigned long count_free(int *map);\nstruct st { unsigned long free; };\n"
                + "void statfs(struct st *s, int *map) { s->free = count_free(map); }\n";
        ObjectPair callee = new ObjectPair("fs/x/bitmap.o", compile("b0", before), compile("b1", after), List.of("count_free"), List.of(), Map.of());
        ObjectPair user = new ObjectPair("fs/x/inode.o", compile("i0", caller), compile("i1", caller), List.of(), List.of(), Map.of());
        List<Finding> f = new Reviewer(Toolchain.HOST).review(List.of(), List.of(callee, user)).findings().stream()
                .filter(x -> x.rule() == Rule.INTERFACE).toList();
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.function()).isEqualTo("count_free");
            assertThat(x.message()).contains("fs/x/inode.o: statfs");
        });
        ObjectPair patchedUser = new ObjectPair("fs/x/inode.o", user.original(), user.patched(), List.of("statfs"), List.of(), Map.of());
        assertThat(new Reviewer(Toolchain.HOST).review(List.of(), List.of(callee, patchedUser)).findings())
                .noneMatch(x -> x.rule() == Rule.INTERFACE);
    }

    @Test
    void aGlobalFunctionThePatchRenamesIsUnsafeWhileAFileOutsideThePatchCallsIt() throws IOException {
        // 6.1.190's trace_events.c: trace_event_eval_update became trace_event_update_all; trace.c,
        // which calls it, is not in the patch (alone, it is refused: notrace), so it keeps the old one.
        String before = "int eval_update(int *map, int len) { return map[len]; }\n";
        String after = "int update_all(int *map, int len, void *mod) { return mod ? map[len] : 0; }\n";
        ObjectPair events = new ObjectPair("kernel/trace/trace_events.o", compile("e0", before), compile("e1", after),
                List.of(), List.of("update_all"), Map.of());
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("kernel/trace"));
        Files.writeString(tree.resolve("kernel/trace/trace.c"), "void eval_work(int *m) { eval_update(m, 3); }\n");
        Files.writeString(tree.resolve("kernel/trace/trace.h"), "int eval_update(int *map, int len);\n"); // a declaration calls nothing
        Files.writeString(tree.resolve("kernel/trace/trace_events.c"), before);
        Files.writeString(tree.resolve("kernel/trace/other.c"), "int eval_updated;\n"); // another word

        List<Finding> f = new Reviewer(Toolchain.HOST, new TreeSearch(tree)).review(List.of(), List.of(events)).findings().stream()
                .filter(x -> x.rule() == Rule.INTERFACE).toList();
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.severity()).isEqualTo(Severity.UNSAFE);
            assertThat(x.function()).isEqualTo("eval_update");
            assertThat(x.message()).contains("the patch removes").endsWith("keeps running the old one: kernel/trace/trace.c");
        });
        // The caller's file in the patch: its object is compiled and redirected (or refused) with it.
        SourceHunk caller = new SourceHunk("kernel/trace/trace.c", 1, SourceHunk.Scope.FUNCTION, "eval_work",
                "void eval_work(int *m)\n{", List.of("\teval_update(m, 3);"), List.of("\tupdate_all(m, 3, 0);"));
        assertThat(new Reviewer(Toolchain.HOST, new TreeSearch(tree)).review(List.of(caller), List.of(events)).findings())
                .noneMatch(x -> x.rule() == Rule.INTERFACE);
        // Without the tree only the patch's objects are known: no caller, no finding.
        assertThat(new Reviewer(Toolchain.HOST).review(List.of(), List.of(events)).findings()).noneMatch(x -> x.rule() == Rule.INTERFACE);

        // Exported, with no caller in the tree: a module outside it keeps the old one, which stays.
        String exported = before + "int __ksymtab_eval_update;\n";
        ObjectPair export = new ObjectPair("kernel/trace/trace_events.o", compile("x0", exported), compile("x1", after),
                List.of(), List.of("update_all"), Map.of());
        Files.delete(tree.resolve("kernel/trace/trace.c"));
        assertThat(new Reviewer(Toolchain.HOST, new TreeSearch(tree)).review(List.of(), List.of(export)).findings())
                .noneMatch(x -> x.rule() == Rule.INTERFACE);
    }

    @Test
    void aStaticFunctionWithNewParametersIsUnsafeWhileATableStillPointsToIt() throws IOException {
        String after = API.replace("static int helper(int v) { return v * 7; }", "static int helper(long v) { return v * 9; }");
        List<Finding> f = review(API, after, List.of("helper", "user"), List.of());
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.rule()).isEqualTo(Rule.INTERFACE);
            assertThat(x.function()).isEqualTo("helper");
            assertThat(x.message()).contains("table");
        });
    }

    @Test
    void aPrototypeSpelledWithATypedefOfTheSameTypeIsTheSameInterface() throws IOException {
        // 6.1's tty backports: write(struct tty_struct *, const unsigned char *, int) becomes
        // write(..., const u8 *, int) while the tty_operations table still points to it.
        String before = """
                typedef unsigned char u8;
                struct tty { int n; };
                typedef struct tty tty_t;
                static int tty_write(struct tty *t, const unsigned char *buf, int count) { return buf[count] + t->n; }
                struct ops { int (*write)(struct tty *, const u8 *, int); };
                const struct ops table = { .write = tty_write };
                """;
        String after = before.replace("static int tty_write(struct tty *t, const unsigned char *buf, int count) { return buf[count] + t->n; }",
                "static int tty_write(tty_t *t, const u8 *buf, int count) { return buf[count] - t->n; }");
        assertThat(review(before, after, List.of("tty_write"), List.of())).isEmpty();
        // synclink_gt's tx_load: const char * to const u8 *, a byte buffer all the same.
        String chars = before.replace("const unsigned char *buf, int count) { return buf[count] + t->n; }", "const char *buf, int count) { return buf[count] + t->n; }")
                .replace("int (*write)(struct tty *, const u8 *, int)", "int (*write)(struct tty *, const char *, int)");
        assertThat(review(chars, after.replace("int (*write)(struct tty *, const u8 *, int)", "int (*write)(struct tty *, const char *, int)"),
                List.of("tty_write"), List.of())).isEmpty();
        // A real change of type is still one.
        String wider = before.replace("const unsigned char *buf, int count) { return buf[count] + t->n; }", "const unsigned short *buf, int count) { return buf[count] + t->n; }");
        assertThat(review(before, wider, List.of("tty_write"), List.of())).singleElement().satisfies(x -> {
            assertThat(x.rule()).isEqualTo(Rule.INTERFACE);
            assertThat(x.message()).contains("'int (struct tty*, const unsigned char*, int)' to 'int (struct tty*, const short unsigned int*, int)'");
        });
    }

    @Test
    void aStaticFunctionWhoseEveryUserIsPatchedIsFine() throws IOException {
        String before = API.replace("const struct ops table = { .fn = helper };\n", "");
        String after = before.replace("static int helper(int v) { return v * 7; }", "static int helper(long v) { return v * 9; }");
        assertThat(review(before, after, List.of("helper", "user"), List.of())).isEmpty();
    }

    @Test
    void sourceRules() {
        SourceHunk init = new SourceHunk("fs/proc/cmdline.c", 10, SourceHunk.Scope.FUNCTION, "proc_cmdline_init",
                "static int __init proc_cmdline_init(void)\n{", List.of("\treturn 0;"), List.of("\treturn 1;"));
        SourceHunk lock = new SourceHunk("fs/x.c", 20, SourceHunk.Scope.FUNCTION, "x_update", "static void x_update(struct x *x)\n{",
                List.of(), List.of("\tspin_lock(&x->lock);", "\tx->n++;", "\tspin_unlock(&x->lock);"));
        SourceHunk plain = new SourceHunk("fs/x.c", 30, SourceHunk.Scope.FUNCTION, "x_show", "static int x_show(struct seq_file *m, void *v)\n{",
                List.of("\tseq_puts(m, \"a\");"), List.of("\tseq_puts(m, \"b\");"));
        SourceHunk uapiAdd = new SourceHunk("include/uapi/linux/netfilter/nf_tables.h", 5, SourceHunk.Scope.TYPE, "nft_fib_flags",
                "enum nft_fib_flags {", List.of(), List.of("\tNFTA_FIB_F_PRESENT\t= 1 << 5,"));
        SourceHunk uapiChange = new SourceHunk("include/uapi/linux/x.h", 5, SourceHunk.Scope.MACRO, "X_MAX", "#define X_MAX 4",
                List.of("#define X_MAX 4"), List.of("#define X_MAX 8"));
        List<Finding> abi = new Reviewer(Toolchain.HOST).review(List.of(uapiAdd, uapiChange), List.of()).findings().stream()
                .filter(x -> x.rule() == Rule.NOT_PATCHABLE).toList();
        assertThat(abi).extracting(Finding::severity, Finding::file).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Severity.UNSAFE, "include/uapi/linux/x.h"),
                org.assertj.core.groups.Tuple.tuple(Severity.NEEDS_CARE, "include/uapi/linux/netfilter/nf_tables.h"));
        List<Finding> f = new Reviewer(Toolchain.HOST).review(List.of(init, lock, plain), List.of()).findings();
        assertThat(f).extracting(Finding::rule, Finding::severity, Finding::function).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Rule.NOT_PATCHABLE, Severity.UNSAFE, "proc_cmdline_init"),
                org.assertj.core.groups.Tuple.tuple(Rule.DATA_SEMANTICS, Severity.NEEDS_CARE, "x_update"));
        assertThat(f.get(1).message()).contains("spin_lock").contains("spin_unlock");
    }

    /** mlx4_ib_cleanup and ipoib_cleanup_module (6.1.188-190) are __exit: said as unload code, not as code that ran at boot. */
    @Test
    void exitCodeIsToldApartFromInitCodeAndRunTimeSectionsAreLeftToTheObject() {
        SourceHunk exit = new SourceHunk("drivers/x.c", 10, SourceHunk.Scope.FUNCTION, "x_cleanup",
                "static void __exit x_cleanup(void)\n{", List.of("\tx_free();"), List.of("\tx_stop();", "\tx_free();"));
        SourceHunk ref = new SourceHunk("mm/x.c", 10, SourceHunk.Scope.FUNCTION, "x_online",
                "static int __ref x_online(int nid)\n{", List.of("\treturn 0;"), List.of("\treturn 1;"));
        SourceHunk meminit = new SourceHunk("mm/x.c", 30, SourceHunk.Scope.FUNCTION, "x_zone",
                "static void __meminit x_zone(int nid)\n{", List.of("\tx(0);"), List.of("\tx(1);"));
        List<Finding> f = Reviewer.decidedBySource(List.of(exit)).orElseThrow().findings();
        assertThat(f).singleElement().satisfies(x -> assertThat(x.message()).startsWith("x_cleanup is __exit code: it runs only when its"
                + " module is unloaded").doesNotContain("already run"));
        assertThat(Reviewer.decidedBySource(List.of(ref))).as("__ref is run-time text").isEmpty();
        assertThat(Reviewer.decidedBySource(List.of(meminit))).as("__meminit is plain text with memory hotplug").isEmpty();
    }

    /** The source alone decides only when every hunk is in code no live patch can change. */
    @Test
    void theSourceDecidesOnlyWhenNoHunkCanBePatched() {
        SourceHunk init = new SourceHunk("fs/proc/cmdline.c", 10, SourceHunk.Scope.FUNCTION, "proc_cmdline_init",
                "static int __init proc_cmdline_init(void)\n{", List.of("\treturn 0;"), List.of("\treturn 1;"));
        SourceHunk asm = new SourceHunk("arch/x86/entry/entry_64.S", 300, SourceHunk.Scope.OTHER, null, "SYM_CODE_START(x)",
                List.of("\tret"), List.of("\tRET"));
        SourceHunk plain = new SourceHunk("fs/proc/cmdline.c", 5, SourceHunk.Scope.FUNCTION, "cmdline_proc_show",
                "static int cmdline_proc_show(struct seq_file *m, void *v)\n{", List.of("\tseq_puts(m, \"a\");"), List.of("\tseq_puts(m, \"b\");"));
        ReviewReport r = Reviewer.decidedBySource(List.of(init, asm)).orElseThrow();
        assertThat(r.findings()).extracting(Finding::rule, Finding::severity).containsOnly(
                org.assertj.core.groups.Tuple.tuple(Rule.NOT_PATCHABLE, Severity.UNSAFE));
        assertThat(r.findings()).hasSize(2);
        assertThat(Reviewer.decidedBySource(List.of(init, plain))).as("cmdline_proc_show can be patched: compile").isEmpty();
        assertThat(Reviewer.decidedBySource(List.of())).isEmpty();
    }

    /** Corpus 6.12 fix 012 (pci.h): members added to a struct of a header 18,366 files include. */
    @Test
    void aHeaderStructThatGainsMembersIsALayoutChangeFromTheSource() {
        SourceHunk bridge = new SourceHunk("include/linux/pci.h", 580, SourceHunk.Scope.TYPE, "pci_host_bridge", "struct pci_host_bridge {",
                List.of(), List.of("\tint (*enable_device)(struct pci_host_bridge *bridge, struct pci_dev *dev);",
                        "\tvoid (*disable_device)(struct pci_host_bridge *bridge, struct pci_dev *dev);"));
        SourceHunk comment = new SourceHunk("include/linux/pci.h", 300, SourceHunk.Scope.TYPE, "pci_dev", "struct pci_dev {",
                List.of("\tu8\t\tpin;\t\t/* Interrupt pin */"), List.of("\tu8 pin; /* The interrupt pin this device uses */"));
        SourceHunk flags = new SourceHunk("include/linux/pci.h", 100, SourceHunk.Scope.TYPE, "pci_bus_flags", "enum pci_bus_flags {",
                List.of(), List.of("\tPCI_BUS_FLAGS_NO_EXTCFG = (__force pci_bus_flags_t) 8,"));
        List<Finding> f = Reviewer.headerLayouts(List.of(bridge, comment, flags));
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.rule()).isEqualTo(Rule.TYPE_LAYOUT);
            assertThat(x.severity()).isEqualTo(Severity.UNSAFE);
            assertThat(x.type()).isEqualTo("struct pci_host_bridge");
            assertThat(x.message()).contains("adds int (*enable_device)(struct pci_host_bridge *bridge, struct pci_dev *dev);");
            assertThat(x.remedy()).contains("--accept type-layout");
        });
    }

    @Test
    void aFunctionPointerWhoseParametersChangeKeepsItsStructsLayout() {
        // 6.1.189's stmmac hwif.h: set_16kib_bfsize's parameter is renamed; the struct stays a table of pointers.
        SourceHunk renamed = new SourceHunk("drivers/net/ethernet/stmicro/stmmac/hwif.h", 400, SourceHunk.Scope.TYPE, "stmmac_mode_ops",
                "struct stmmac_mode_ops {", List.of("\tint (*set_16kib_bfsize)(int mtu);"), List.of("\tint (*set_16kib_bfsize) (int len);"));
        assertThat(Reviewer.headerLayouts(List.of(renamed))).isEmpty();
        SourceHunk added = new SourceHunk("drivers/net/ethernet/stmicro/stmmac/hwif.h", 400, SourceHunk.Scope.TYPE, "stmmac_mode_ops",
                "struct stmmac_mode_ops {", List.of("\tint (*set_16kib_bfsize)(int mtu);"),
                List.of("\tint (*set_16kib_bfsize)(int len);", "\tvoid (*clean_desc3)(void *priv);"));
        assertThat(Reviewer.headerLayouts(List.of(added))).singleElement().satisfies(x -> assertThat(x.message()).contains("adds"));
    }

    /** get_user, put_unaligned, skb_put and nla_put move data; netdev_put drops a reference (corpus fix 068, j1939). */
    @Test
    void dataCopiesAreNotReferenceChangesButAPutIs() {
        SourceHunk copies = new SourceHunk("net/x.c", 20, SourceHunk.Scope.FUNCTION, "x_fill", "static int x_fill(struct sk_buff *skb)\n{",
                List.of(), List.of("\tif (get_user(v, p))", "\t\treturn -EFAULT;", "\tput_unaligned_le32(v, skb_put(skb, 4));",
                        "\tif (nla_put(skb, X_ATTR, 4, &v))", "\t\treturn -EMSGSIZE;", "\tget_random_bytes(&r, sizeof(r));"));
        SourceHunk put = new SourceHunk("net/can/j1939/bus.c", 30, SourceHunk.Scope.FUNCTION, "__j1939_ecu_release",
                "static void __j1939_ecu_release(struct kref *kref)\n{", List.of(), List.of("\tnetdev_put(ecu->priv->ndev, &ecu->dev_tracker);"));
        List<Finding> f = new Reviewer(Toolchain.HOST).review(List.of(copies, put), List.of()).findings();
        assertThat(f).extracting(Finding::function).containsExactly("__j1939_ecu_release");
        assertThat(f.get(0).message()).contains("adds netdev_put");
    }

    @Test
    void kthreadLoopsAndInlinedCalleesAreNamed() {
        String loop = "static int x_thread(void *data)\n{\n\twhile (!kthread_should_stop()) {\n\t\tx_work(data);\n\t\tschedule_timeout_interruptible(HZ);\n\t}\n\treturn 0;\n}";
        String once = "static int x_once(void *data)\n{\n\tx_work(data);\n\treturn 0;\n}";
        SourceHunk work = new SourceHunk("drivers/x/x.c", 5, SourceHunk.Scope.FUNCTION, "x_work", "static void x_work(void *data)\n{",
                List.of("\tfoo();"), List.of("\tbar();"));
        ObjectPair pair = new ObjectPair("drivers/x/x.o", Path.of("unused"), Path.of("unused"), List.of("x_thread", "x_once.isra.0"), List.of(),
                Map.of("x_thread", loop, "x_once", once));
        List<Finding> f = new java.util.ArrayList<>();
        Reviewer.endlessTransitions(pair, f);
        Reviewer.inliningFanOut(pair, List.of(work), f);
        assertThat(f).extracting(Finding::rule, Finding::function).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Rule.ENDLESS_TRANSITION, "x_thread"),
                org.assertj.core.groups.Tuple.tuple(Rule.INLINING_FANOUT, "x_thread"),
                org.assertj.core.groups.Tuple.tuple(Rule.INLINING_FANOUT, "x_once"));
        assertThat(f.get(1).message()).contains("x_work");
        assertThat(f.get(0).severity()).isEqualTo(Severity.UNSAFE);
        assertThat(f.get(0).message()).contains("thread's main loop");
        assertThat(f.get(0).remedy()).contains("noinline");
    }

    /**
     * A thread's main loop never lets the transition finish (6.1.190's rfcomm_run held krfcommd in the
     * VM): unsafe. A loop that waits and returns (raid5_make_request), or a helper that checks
     * kthread_should_stop for its thread, only needs care.
     */
    @Test
    void aKthreadsMainLoopIsUnsafeAndABlockingWaitNeedsCare() {
        String session = "static int x_session(void *arg)\n{\n\twhile (1) {\n\t\tif (atomic_read(&s->terminate))\n\t\t\tbreak;\n"
                + "\t\twait_woken(&wait, TASK_INTERRUPTIBLE, MAX_SCHEDULE_TIMEOUT);\n\t}\n\treturn 0;\n}";
        String start = "static int x_add(struct x *s)\n{\n\ts->task = kthread_run(x_session, s, \"kxd %s\", s->name);\n\treturn 0;\n}";
        String wait = "static bool x_make_request(struct mddev *mddev, struct bio *bi)\n{\n\tfor (;;) {\n\t\tif (x_ready(mddev))\n\t\t\tbreak;\n"
                + "\t\tschedule();\n\t}\n\treturn true;\n}";
        String helper = "static int x_wait_work(struct x *s)\n{\n\tfor (;;) {\n\t\tif (kthread_should_stop())\n\t\t\treturn -EINTR;\n"
                + "\t\tif (s->work)\n\t\t\treturn 0;\n\t\tschedule();\n\t}\n}";
        ObjectPair pair = new ObjectPair("net/x/core.o", Path.of("unused"), Path.of("unused"), List.of("x_session", "x_make_request", "x_wait_work"),
                List.of(), Map.of("x_session", session, "x_add", start, "x_make_request", wait, "x_wait_work", helper));
        List<Finding> f = new java.util.ArrayList<>();
        Reviewer.endlessTransitions(pair, f);
        assertThat(f).extracting(Finding::function, Finding::severity).containsExactly(
                org.assertj.core.groups.Tuple.tuple("x_session", Severity.UNSAFE),
                org.assertj.core.groups.Tuple.tuple("x_make_request", Severity.NEEDS_CARE),
                org.assertj.core.groups.Tuple.tuple("x_wait_work", Severity.NEEDS_CARE));
        // Never advise a file the target's livepatch core lacks (NAME/signal is gone since 5.1).
        assertThat(f.get(1).remedy()).doesNotContain("> /sys/kernel/livepatch").contains("every 15 s");
    }

    /** 6.12.118 changes io_uring's io_sq_thread: a process's SQPOLL thread lives in it while the ring is open. */
    @Test
    void anIoUringSqpollThreadsLoopIsUnsafeToo() {
        String thread = "static int io_sq_thread(void *data)\n{\n\tstruct io_sq_data *sqd = data;\n\tDEFINE_WAIT(wait);\n\n\twhile (1) {\n"
                + "\t\tif (io_sqd_events_pending(sqd) || signal_pending(current)) {\n\t\t\tif (io_sqd_handle_event(sqd))\n\t\t\t\tbreak;\n\t\t}\n"
                + "\t\tprepare_to_wait(&sqd->wait, &wait, TASK_INTERRUPTIBLE);\n\t\tschedule();\n\t\tfinish_wait(&sqd->wait, &wait);\n\t}\n"
                + "\tdo_exit(0);\n}";
        String start = "__cold int io_sq_offload_create(struct io_ring_ctx *ctx, struct io_uring_params *p)\n{\n"
                + "\ttsk = create_io_thread(io_sq_thread, sqd, NUMA_NO_NODE);\n\treturn 0;\n}";
        ObjectPair pair = new ObjectPair("io_uring/sqpoll.o", Path.of("unused"), Path.of("unused"), List.of("io_sq_thread"),
                List.of(), Map.of("io_sq_thread", thread, "io_sq_offload_create", start));
        List<Finding> f = new java.util.ArrayList<>();
        Reviewer.endlessTransitions(pair, f);
        assertThat(f).singleElement().satisfies(x -> {
            assertThat(x.severity()).isEqualTo(Severity.UNSAFE);
            assertThat(x.message()).startsWith("io_sq_thread is a thread's main loop");
        });
    }

    /** A loop that never asks kthread_should_stop, whose thread another file starts: only the tree tells. */
    @Test
    void aThreadLoopStartedFromAnotherFileIsUnsafeWhenTheTreeShowsIt() throws IOException {
        String loop = "int x_poll_thread(void *arg)\n{\n\tfor (;;) {\n\t\tx_poll(arg);\n\t\tmsleep(100);\n\t}\n\treturn 0;\n}";
        ObjectPair pair = new ObjectPair("drivers/x/poll.o", Path.of("unused"), Path.of("unused"), List.of("x_poll_thread"), List.of(),
                Map.of("x_poll_thread", loop));
        Path tree = dir.resolve("tree");
        Files.createDirectories(tree.resolve("drivers/x"));
        Files.writeString(tree.resolve("drivers/x/poll.c"), loop);
        Files.writeString(tree.resolve("drivers/x/main.c"), "static int x_probe(struct x *x)\n{\n\tx->task = kthread_run(x_poll_thread, x, \"xpoll\");\n}\n");
        Files.writeString(tree.resolve("drivers/x/other.c"), "int x_other(void)\n{\n\treturn x_poll_thread != NULL;\n}\n");
        List<Finding> withTree = new java.util.ArrayList<>();
        Reviewer.endlessTransitions(pair, withTree, (n, s) -> Reviewer.startedElsewhere(new dev.klp4j.source.TreeSearch(tree), n, s));
        assertThat(withTree).singleElement().extracting(Finding::severity).isEqualTo(Severity.UNSAFE);

        Files.writeString(tree.resolve("drivers/x/main.c"), "static int x_probe(struct x *x)\n{\n\treturn x_poll_thread(x);\n}\n");
        List<Finding> notStarted = new java.util.ArrayList<>();
        Reviewer.endlessTransitions(pair, notStarted, (n, s) -> Reviewer.startedElsewhere(new dev.klp4j.source.TreeSearch(tree), n, s));
        assertThat(notStarted).singleElement().extracting(Finding::severity).isEqualTo(Severity.NEEDS_CARE);
    }

    @Test
    void objectsWithoutDebugInfoAreSaidToBeUnchecked() throws IOException {
        Path c = dir.resolve("nodebug.c"), o = dir.resolve("nodebug.o");
        Files.writeString(c, CONTEXT);
        assertThat(Toolchain.HOST.run(dir, List.of("gcc", "-O2", "-c", c.toString(), "-o", o.toString()), Map.of(), new byte[0]).ok()).isTrue();
        ObjectPair pair = new ObjectPair("drivers/x/x.o", o, o, List.of(), List.of(), Map.of());
        assertThat(new Reviewer(Toolchain.HOST).review(List.of(), List.of(pair)).findings()).singleElement().satisfies(f -> {
            assertThat(f.severity()).isEqualTo(Severity.NEEDS_CARE);
            assertThat(f.message()).contains("no debug info");
        });
    }
}
