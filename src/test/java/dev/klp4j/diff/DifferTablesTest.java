package dev.klp4j.diff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Symbol;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A changed read-only table that no changed function uses (issue 21, item 5): a lookup table that
 * only this object's functions read is carried anew with its readers replaced; a table the running
 * kernel keeps the address of, an operations table, a global one or one only __init code read stays
 * refused, saying why. Objects compiled by gcc in the test.
 */
class DifferTablesTest {
    @TempDir
    Path tmp;

    private static final String HEADER = """
            #define noinline __attribute__((noinline))
            #define __init __attribute__((section(".init.text"), cold, __noinline__))
            extern int sink(int);
            struct quirk { unsigned short vendor, device; unsigned int flags; };
            """;

    /** sound/usb/quirks.c's shape: a flags table a function walks at each probe. */
    private static final String QUIRKS = HEADER + """
            static const struct quirk quirk_flags_table[] = {
                    { 0x041e, 0x3000, 1 },
                    { 0x0d8c, 0x0014, 4 },
                    { 0, 0, 0 },
            };
            unsigned int quirk_flags(unsigned short vendor, unsigned short device)
            {
                    const struct quirk *q;
                    for (q = quirk_flags_table; q->vendor; q++)
                            if (q->vendor == vendor && q->device == device)
                                    return q->flags;
                    return 0;
            }
            int unrelated(int x) { return sink(x) + 2; }
            """;

    @Test
    void aLookupTableOnlyThisObjectsFunctionsReadIsCarriedWithItsReadersReplaced() throws Exception {
        DiffResult r = Gcc.diff(tmp, QUIRKS, QUIRKS.replace("{ 0x0d8c, 0x0014, 4 }", "{ 0x0d8c, 0x0014, 6 }"));
        assertThat(r.reasons()).isEmpty();
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).as("the reader is replaced so that its next lookup reads the new table").containsExactly("quirk_flags");
        ElfFile out = r.patch().elf();
        Symbol table = out.symbols().stream().filter(s -> s.name().equals("quirk_flags_table") && s.section() != null)
                .findFirst().orElseThrow(() -> new AssertionError("the new table is carried in the patch"));
        byte[] data = table.section().data();
        int at = (int) table.value() + 8 + 4; // the second entry's flags
        assertThat(data[at]).as("the carried table holds the new value").isEqualTo((byte) 6);
        assertThat(out.symbols().stream().anyMatch(s -> s.name().equals("unrelated") && s.section() != null)).isFalse();
    }

    @Test
    void aQuirkAddedGrowsTheTableWhichIsCarriedAllTheSame() throws Exception {
        DiffResult r = Gcc.diff(tmp, QUIRKS, QUIRKS.replace("{ 0x0d8c, 0x0014, 4 },", "{ 0x0d8c, 0x0014, 4 },\n{ 0x2912, 0x30c8, 8 },"));
        assertThat(r.reasons()).isEmpty();
        assertThat(r.changed()).containsExactly("quirk_flags");
        Symbol table = r.patch().elf().symbols().stream().filter(s -> s.name().equals("quirk_flags_table") && s.section() != null)
                .findFirst().orElseThrow();
        assertThat(table.size()).as("four entries of 8 bytes").isEqualTo(32);
        assertThat(new String(dev.klp4j.diff.PatchObjectFile.json(r.patch().meta()), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\"tables\":[\"quirk_flags_table\"]");

        String global = QUIRKS.replace("static const struct quirk quirk_flags_table[]", "const struct quirk quirk_flags_table[]");
        DiffResult g = Gcc.diff(tmp, global, global.replace("{ 0x0d8c, 0x0014, 4 },", "{ 0x0d8c, 0x0014, 4 },\n{ 0x2912, 0x30c8, 8 },"));
        assertThat(String.join("\n", g.reasons())).contains("quirk_flags_table: data object changed size (24 to 32 bytes)")
                .contains("it is global");
    }

    @Test
    void compoundLiteralsOfAGrownTableAreMatchedByContentNotByTheirCounter() throws Exception {
        // uvc_driver.c's shape: entries point at `&(struct info){...}`, which gcc names
        // __compound_literal.N in the order it meets them; an entry inserted renumbers the rest. Paired
        // by their counters, the literals after it would seem to be existing data that changed.
        String src = HEADER + """
                struct info { int a, b; };
                struct ent { unsigned short vendor; struct info *info; };
                static const struct ent quirk_infos[] = {
                        { 0x1, &(struct info){ 1, 2 } },
                        { 0x2, &(struct info){ 3, 4 } },
                        { 0x3, &(struct info){ 5, 6 } },
                        { 0, 0 },
                };
                int info_of(unsigned short v)
                {
                        const struct ent *e;
                        for (e = quirk_infos; e->vendor; e++)
                                if (e->vendor == v)
                                        return e->info->a;
                        return 0;
                }
                """;
        DiffResult r = Gcc.diff(tmp, src, src.replace("{ 0x1, &(struct info){ 1, 2 } },",
                "{ 0x1, &(struct info){ 1, 2 } },\n{ 0x9, &(struct info){ 7, 8 } },"));
        assertThat(r.reasons()).isEmpty();
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("info_of");
        assertThat(r.patch().meta().newData()).as("only the inserted entry's literal is new").hasSize(1);
    }

    @Test
    void aTableWhoseAddressDataHoldsStaysRefusedSayingWhere() throws Exception {
        String src = QUIRKS + """
                struct driver { const char *name; const struct quirk *id_table; };
                struct driver quirk_driver = { "q", quirk_flags_table };
                """;
        DiffResult r = Gcc.diff(tmp, src, src.replace("{ 0x0d8c, 0x0014, 4 }", "{ 0x0d8c, 0x0014, 6 }"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(String.join("\n", r.reasons())).contains("quirk_flags_table: read-only data changed")
                .contains("its address is stored in quirk_driver (data)");
    }

    @Test
    void anOperationsTableStaysRefused() throws Exception {
        String src = HEADER + """
                static int op_a(int x) { return sink(x) + 1; }
                static int op_b(int x) { return sink(x) + 2; }
                static int (*const ops[])(int) = { op_a, op_b };
                int call_op(int i, int x) { return ops[i & 1](x); }
                """;
        DiffResult r = Gcc.diff(tmp, src, src.replace("{ op_a, op_b }", "{ op_b, op_a }"));
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(String.join("\n", r.reasons())).contains("ops: read-only data changed").contains("it holds function pointers");
    }

    @Test
    void aGlobalTableOrOneOnlyInitCodeReadStaysRefused() throws Exception {
        String global = QUIRKS.replace("static const struct quirk quirk_flags_table[]", "const struct quirk quirk_flags_table[]");
        DiffResult g = Gcc.diff(tmp, global, global.replace("{ 0x0d8c, 0x0014, 4 }", "{ 0x0d8c, 0x0014, 6 }"));
        assertThat(g.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(String.join("\n", g.reasons())).contains("it is global");

        String init = QUIRKS.replace("unsigned int quirk_flags(", "__init unsigned int quirk_flags(");
        DiffResult i = Gcc.diff(tmp, init, init.replace("{ 0x0d8c, 0x0014, 4 }", "{ 0x0d8c, 0x0014, 6 }"));
        assertThat(i.outcome()).isEqualTo(DiffResult.Outcome.REFUSED);
        assertThat(String.join("\n", i.reasons())).contains("__init/__exit code (quirk_flags)");
    }
}
