package dev.klp4j.update;

import static dev.klp4j.update.SourceFiles.write;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.base.Exec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two small source trees as two Debian versions would differ, cut into fixes. */
class FixCutterTest {
    @TempDir Path tmp;

    private UpdateCut cut() throws IOException {
        Path a = tmp.resolve("old"), b = tmp.resolve("new");
        for (Path r : new Path[] {a, b}) {
            write(r, "fs/ext4/super.c", "int unchanged(void) { return 0; }\n");
            write(r, "kernel/sched/core.c", "#include <linux/sched.h>\n#include \"sched.h\"\nint f(void) { return " + (r == a ? 1 : 2) + "; }\n");
            write(r, "kernel/sched/sched.h", r == a ? "#define A 1\n" : "#define A 1\n#include <linux/sched/new.h>\n");
            write(r, "include/linux/sched.h", r == a ? "struct s { int a; };\n" : "struct s { int a; int b; };\n");
            write(r, "include/linux/other.h", r == a ? "#define O 1\n" : "#define O 2\n");
            write(r, "Documentation/admin-guide/x.rst", r == a ? "old\n" : "new\n");
            write(r, "arch/arm64/kernel/setup.c", r == a ? "int a;\n" : "int b;\n");
            write(r, "Makefile", "VERSION = 6\nPATCHLEVEL = 1\nSUBLEVEL = " + (r == a ? "190" : "192") + "\nEXTRAVERSION =\n");
            write(r, "drivers/net/Kconfig", r == a ? "config A\n" : "config A\n\tdepends on B\n");
            write(r, "rust/kernel/lib.rs", r == a ? "fn a() {}\n" : "fn b() {}\n");
        }
        write(b, "include/linux/sched/new.h", "#define NEW 1\n");
        write(b, "drivers/misc/new.c", "int n;\n");
        write(a, "drivers/misc/gone.c", "int g;\n");
        return UpdateCut.ofTrees(tmp.resolve("cut"), a, b);
    }

    @Test
    void everyChangedFileIsAFixToBuildOrDecidedByItsPath() throws IOException {
        UpdateCut cut = cut();
        assertThat(cut.changes().added()).containsExactly("drivers/misc/new.c", "include/linux/sched/new.h");
        assertThat(cut.changes().removed()).containsExactly("drivers/misc/gone.c");
        FixCutter.Cut c = FixCutter.cut(cut);
        assertThat(c.sources()).extracting(Fix::id).containsExactly("kernel/sched/core.c");
        assertThat(c.headers()).containsExactly("include/linux/other.h", "include/linux/sched.h", "include/linux/sched/new.h",
                "kernel/sched/sched.h");
        Map<String, FixStatus> decided = c.decided().stream().collect(Collectors.toMap(FixDecision::id, FixDecision::status));
        assertThat(decided).containsExactlyInAnyOrderEntriesOf(Map.of(
                "Documentation/admin-guide/x.rst", FixStatus.NOT_BUILT,
                "arch/arm64/kernel/setup.c", FixStatus.NOT_BUILT,
                "Makefile", FixStatus.NO_CHANGE,
                "drivers/net/Kconfig", FixStatus.NEEDS_REBOOT,
                "rust/kernel/lib.rs", FixStatus.NEEDS_REBOOT,
                "drivers/misc/new.c", FixStatus.NEEDS_REBOOT,
                "drivers/misc/gone.c", FixStatus.NEEDS_REBOOT));
        assertThat(c.decided()).filteredOn(d -> d.id().equals("Makefile")).singleElement()
                .extracting(FixDecision::reason).asString().contains("version number");
    }

    @Test
    void aSourceFileAddedOrRemovedUnderASymbolThisConfigDoesNotSetIsNotBuilt() throws IOException {
        // 6.12.118 renames qcom_pmi8998_charger.c to qcom_smbx.c, built with an arm64 driver's symbol.
        Path a = tmp.resolve("olds"), b = tmp.resolve("news");
        write(a, "drivers/power/supply/Makefile", "obj-$(CONFIG_CHARGER_QCOM_SMB2)\t+= qcom_pmi8998_charger.o\nobj-$(CONFIG_BATTERY_X) += x.o\n");
        write(b, "drivers/power/supply/Makefile", "obj-$(CONFIG_CHARGER_QCOM_SMB2)\t+= qcom_smbx.o\nobj-$(CONFIG_BATTERY_X) += x.o \\\n\tx_extra.o\n"
                + "obj-$(CONFIG_BATTERY_Y) += y.o\ny-y := y_core.o y_new.o\n");
        write(a, "drivers/power/supply/qcom_pmi8998_charger.c", "int q;\n");
        write(b, "drivers/power/supply/qcom_smbx.c", "int q;\n");
        write(b, "drivers/power/supply/x_extra.c", "int x;\n"); // its symbol is set: a new object the running kernel lacks
        write(b, "drivers/power/supply/y_new.c", "int y;\n");   // a part of y.o, whose symbol is not set
        UpdateCut cut = UpdateCut.ofTrees(tmp.resolve("cuts"), a, b);
        Map<String, FixDecision> decided = FixCutter.cut(cut, symbol -> symbol.equals("CONFIG_BATTERY_X")).decided().stream()
                .collect(Collectors.toMap(FixDecision::id, d -> d));
        assertThat(decided.get("drivers/power/supply/qcom_smbx.c")).satisfies(d -> {
            assertThat(d.status()).isEqualTo(FixStatus.NOT_BUILT);
            assertThat(d.reason()).isEqualTo("a new source file that this kernel would not build: its Makefile builds it only with"
                    + " CONFIG_CHARGER_QCOM_SMB2, which this kernel's config does not set");
        });
        assertThat(decided.get("drivers/power/supply/qcom_pmi8998_charger.c").status()).isEqualTo(FixStatus.NOT_BUILT);
        assertThat(decided.get("drivers/power/supply/y_new.c").reason()).contains("CONFIG_BATTERY_Y");
        assertThat(decided.get("drivers/power/supply/x_extra.c").status()).isEqualTo(FixStatus.NEEDS_REBOOT);
        // Without a config, nothing is called not built.
        assertThat(FixCutter.cut(cut).decided()).filteredOn(d -> d.id().endsWith(".c")).extracting(FixDecision::status)
                .containsOnly(FixStatus.NEEDS_REBOOT);
    }

    @Test
    void aFixsPatchAppliesToTheOlderTree() throws IOException {
        UpdateCut cut = cut();
        Fix fix = FixCutter.cut(cut).sources().get(0);
        assertThat(fix.patch()).startsWith("--- a/kernel/sched/core.c\n+++ b/kernel/sched/core.c\n").contains("-int f(void) { return 1; }");
        var r = Exec.run(tmp.resolve("old"), java.util.List.of("patch", "-p1", "--dry-run", "-i", writePatch(fix.patch())));
        assertThat(r.ok()).as(r.output()).isTrue();
    }

    @Test
    void theHeadersAFixMayNeedAreTheChangedOnesItIncludesAndTheNewOnesThoseInclude() throws IOException {
        UpdateCut cut = cut();
        FixCutter.Cut c = FixCutter.cut(cut);
        assertThat(FixCutter.headersFor(cut, "kernel/sched/core.c", c.headers()))
                .containsExactly("include/linux/sched.h", "kernel/sched/sched.h", "include/linux/sched/new.h");
        // a header the fix adds is diffed against /dev/null
        assertThat(cut.patch(java.util.List.of("include/linux/sched/new.h"))).startsWith("--- /dev/null\n+++ b/include/linux/sched/new.h\n");
    }

    @Test
    void theFixThatAddsAMissingFunctionIsFound() throws IOException {
        Path a = tmp.resolve("o2"), b = tmp.resolve("n2");
        write(a, "net/core/sock.c", "int sk_old(int x)\n{\n\treturn x;\n}\n");
        write(b, "net/core/sock.c", "int sk_old(int x)\n{\n\treturn x;\n}\n\nbool sk_is_ok(const struct sock *sk,\n\t      int flags)\n{\n\treturn true;\n}\n");
        write(a, "net/ipv4/tcp.c", "int t(void) { return 0; }\n");
        write(b, "net/ipv4/tcp.c", "int t(void) { return sk_is_ok(0, 0); }\n");
        write(a, "net/ipv4/udp.c", "bool sk_is_ok(const struct sock *sk, int flags);\n");
        write(b, "net/ipv4/udp.c", "bool sk_is_ok(const struct sock *sk, int flags);\nint u;\n");
        UpdateCut cut = UpdateCut.ofTrees(tmp.resolve("cut2"), a, b);
        String reason = "needs a symbol the running kernel does not have (another change of the update adds it): sk_is_ok: referenced by"
                + " the patch but neither exported nor found in vmlinux";
        assertThat(FixCutter.missingSymbol(reason)).isEqualTo("sk_is_ok");
        assertThat(FixCutter.missingSymbol("does not compile")).isNull();
        // udp.c only declares it; tcp.c calls it; sock.c adds it
        assertThat(FixCutter.definer(cut, "sk_is_ok", java.util.List.of("net/ipv4/udp.c", "net/ipv4/tcp.c", "net/core/sock.c")))
                .isEqualTo("net/core/sock.c");
        assertThat(FixCutter.definer(cut, "sk_old", java.util.List.of("net/core/sock.c"))).as("not added by the update").isNull();

        // 6.12.118's sm_make_chunk.c: a static (and inlined) function made global for socket.c
        write(a, "net/sctp/chunk.c", "static void set_owner(struct chunk *c)\n{\n}\n");
        write(b, "net/sctp/chunk.c", "void set_owner(struct chunk *c)\n{\n}\n");
        write(a, "net/sctp/keep.c", "static void\nkept(int x)\n{\n}\n");
        write(b, "net/sctp/keep.c", "static void\nkept(int x)\n{\n\treturn;\n}\n");
        UpdateCut cut3 = UpdateCut.ofTrees(tmp.resolve("cut3"), a, b);
        assertThat(FixCutter.definer(cut3, "set_owner", java.util.List.of("net/sctp/chunk.c"))).isEqualTo("net/sctp/chunk.c");
        assertThat(FixCutter.definer(cut3, "kept", java.util.List.of("net/sctp/keep.c"))).as("static on both sides").isNull();
    }

    /**
     * 6.1.190's ksmbd fix: vfs_cache.c passes KSMBD_START_FID where it passed 0, and vfs_cache.h
     * changes KSMBD_START_FID from 0 to 1. Alone, the C fix compiles to the running kernel's 0 and
     * says nothing changed; it is cut with the header whose value its own lines name.
     */
    @Test
    void aFixWhoseLinesNameAValueTheUpdateChangesTakesThatHeader() throws IOException {
        Path a = tmp.resolve("o4"), b = tmp.resolve("n4");
        write(a, "fs/smb/server/vfs_cache.h", "#define\tFILE_GENERIC_EXECUTE\t0X1200a0\n\n#define KSMBD_START_FID\t\t0\n#define KSMBD_NO_FID\t\t(INT_MAX)\n");
        write(b, "fs/smb/server/vfs_cache.h", "#define\tFILE_GENERIC_EXECUTE\t0X1200a0\n\n/*\n * Start at 1: a file id of 0 is a null handle.\n */\n"
                + "#define KSMBD_START_FID\t\t1\n#define KSMBD_NO_FID\t\t(INT_MAX)\n");
        write(a, "fs/smb/server/vfs_cache.c", "#include \"vfs_cache.h\"\nint open_id(void)\n{\n\treturn idr_alloc_cyclic(idr, fp, 0, INT_MAX - 1);\n}\n");
        write(b, "fs/smb/server/vfs_cache.c", "#include \"vfs_cache.h\"\nint open_id(void)\n{\n\treturn idr_alloc_cyclic(idr, fp, KSMBD_START_FID,\n"
                + "\t\t\t\tINT_MAX - 1);\n}\n");
        // names the macro only in lines its fix leaves alone: compiled as the running kernel is, alone
        write(a, "fs/smb/server/smb2pdu.c", "int first = KSMBD_START_FID;\nint g(void) { return 1; }\n");
        write(b, "fs/smb/server/smb2pdu.c", "int first = KSMBD_START_FID;\nint g(void) { return 2; }\n");
        // an enumerator's explicit value, named by a changed line
        write(a, "include/linux/remoteproc.h", "enum rproc_state {\n\tRPROC_CRASHED\t= 3,\n\tRPROC_DELETED\t= 4,\n\tRPROC_ATTACHED\t= 5,\n};\n");
        write(b, "include/linux/remoteproc.h", "enum rproc_state {\n\tRPROC_CRASHED\t= 3,\n\tRPROC_ATTACHED\t= 4,\n};\n");
        write(a, "drivers/remoteproc/remoteproc_core.c", "int st(struct rproc *r) { return r->state == RPROC_CRASHED; }\n");
        write(b, "drivers/remoteproc/remoteproc_core.c", "int st(struct rproc *r) { return r->state == RPROC_ATTACHED; }\n");
        // another architecture's header and a changed comment change no value this kernel has
        write(a, "arch/arm64/include/asm/fixmap.h", "#define NR_FIX_BTMAPS 16\n");
        write(b, "arch/arm64/include/asm/fixmap.h", "#define NR_FIX_BTMAPS 32\n");
        write(a, "include/linux/comment.h", "#define SLOTS 8 /* slots */\n");
        write(b, "include/linux/comment.h", "#define SLOTS 8 /* slots per frame */\n");
        write(a, "drivers/misc/uses.c", "int s = SLOTS + NR_FIX_BTMAPS;\n");
        write(b, "drivers/misc/uses.c", "int s = SLOTS + NR_FIX_BTMAPS + 1;\n");
        UpdateCut cut = UpdateCut.ofTrees(tmp.resolve("cut4"), a, b);

        Map<String, Fix> fixes = FixCutter.cut(cut).sources().stream().collect(Collectors.toMap(Fix::id, f -> f));
        assertThat(fixes.get("fs/smb/server/vfs_cache.c").files()).containsExactly("fs/smb/server/vfs_cache.h", "fs/smb/server/vfs_cache.c");
        assertThat(fixes.get("fs/smb/server/vfs_cache.c").patch()).contains("+#define KSMBD_START_FID\t\t1", "+\treturn idr_alloc_cyclic(idr, fp, KSMBD_START_FID,");
        assertThat(fixes.get("fs/smb/server/smb2pdu.c").files()).containsExactly("fs/smb/server/smb2pdu.c");
        assertThat(fixes.get("drivers/remoteproc/remoteproc_core.c").files()).containsExactly("include/linux/remoteproc.h",
                "drivers/remoteproc/remoteproc_core.c");
        assertThat(fixes.get("drivers/misc/uses.c").files()).containsExactly("drivers/misc/uses.c");
        // the patch applies to the older tree, header first
        var r = Exec.run(a, java.util.List.of("patch", "-p1", "--dry-run", "-i", writePatch(fixes.get("fs/smb/server/vfs_cache.c").patch())));
        assertThat(r.ok()).as(r.output()).isTrue();
    }

    private String writePatch(String patch) throws IOException {
        Path p = tmp.resolve("fix.patch");
        Files.writeString(p, patch);
        return p.toString();
    }

    /** What the changelog's "Fix ... in scsi_eh_lock_door()" is matched against: the functions a fix's diff is in or defines. */
    @Test
    void theFunctionsAFixChangesAreThoseItsHunksAreInAndThoseItDefines() throws IOException {
        Path a = tmp.resolve("fa"), b = tmp.resolve("fb");
        String head = "static int unchanged(void)\n{\n\treturn 0;\n}\n\nstatic void\nscsi_eh_lock_door(struct scsi_device *sdev)\n{\n"
                + "\tstruct request *req;\n\n\treq = scsi_alloc_request(sdev->request_queue, REQ_OP_DRV_IN, ";
        write(a, "drivers/scsi/scsi_error.c", head + "0);\n\tif (IS_ERR(req))\n\t\treturn;\n}\n\nint scsi_old(int a)\n{\n\treturn a;\n}\n");
        write(b, "drivers/scsi/scsi_error.c", head + "BLK_MQ_REQ_NOWAIT);\n\tif (IS_ERR(req))\n\t\treturn;\n}\n\n"
                + "int scsi_new(int a, int b)\n{\n\treturn a;\n}\n");
        UpdateCut cut = UpdateCut.ofTrees(tmp.resolve("cutf"), a, b);
        assertThat(cut.changedFunctions(java.util.List.of("drivers/scsi/scsi_error.c")))
                .containsExactlyInAnyOrder("scsi_eh_lock_door", "scsi_old", "scsi_new");
    }
}
