package dev.klp4j.update;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.source.DebianChangelog;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ChangelogMatchTest {
    private static FixDecision fix(String file, FixStatus s) {
        return new FixDecision(file, List.of(file), List.of(), s, null, List.of(), List.of());
    }

    private static DebianChangelog.Item item(String text, String... cves) {
        return new DebianChangelog.Item("6.1.192-1", text, List.of(cves));
    }

    @Test
    void theMostSpecificWordOfTheSubjectNamesTheFix() {
        List<FixDecision> fixes = List.of(fix("drivers/hid/hid-sony.c", FixStatus.LIVE_PATCHED), fix("drivers/hid/hid-core.c", FixStatus.LIVE_PATCHED),
                fix("drivers/scsi/qla2xxx/qla_os.c", FixStatus.LIVE_PATCHED), fix("io_uring/io-wq.c", FixStatus.LIVE_PATCHED),
                fix("io_uring/poll.c", FixStatus.LIVE_PATCHED), fix("fs/nfsd/nfs4state.c", FixStatus.LIVE_PATCHED),
                fix("fs/nfsd/nfs4proc.c", FixStatus.NEEDS_REBOOT));
        DebianChangelog.Item sony = item("HID: sony: fix UAF of ghl_poke_timer", "CVE-2026-89625");
        DebianChangelog.Item qla = item("scsi: qla2xxx: Zero dport diagnostics buffer", "CVE-2026-89859");
        DebianChangelog.Item iowq = item("io_uring/io-wq: don't lose the signal that ends work", "CVE-2026-99228");
        DebianChangelog.Item nfsd = item("nfsd: fix nfsd_file leak", "CVE-2026-89680");
        DebianChangelog.Item none = item("apparmor: fix out-of-bounds write", "CVE-2026-89761");
        DebianChangelog.Item bump = item("Bump ABI to 55");
        Map<DebianChangelog.Item, List<String>> m = ChangelogMatch.attribute(List.of(sony, qla, iowq, nfsd, none, bump), fixes, f -> java.util.Set.of());
        assertThat(m.get(sony)).containsExactly("drivers/hid/hid-sony.c");
        assertThat(m.get(qla)).containsExactly("drivers/scsi/qla2xxx/qla_os.c");
        assertThat(m.get(iowq)).containsExactly("io_uring/io-wq.c");
        assertThat(m.get(nfsd)).as("a subsystem names all of its files").containsExactly("fs/nfsd/nfs4state.c", "fs/nfsd/nfs4proc.c");
        assertThat(m).doesNotContainKeys(none, bump);

        List<FixDecision> applied = ChangelogMatch.apply(List.of(sony, nfsd), fixes, f -> java.util.Set.of());
        assertThat(applied.get(0).cves()).containsExactly("CVE-2026-89625");
        assertThat(applied.get(0).changelog()).containsExactly("6.1.192-1: HID: sony: fix UAF of ghl_poke_timer");
        assertThat(applied.get(1).cves()).isEmpty();
        assertThat(applied.get(5).cves()).containsExactly("CVE-2026-89680");
    }

    /**
     * 6.1.190's changelog: "RDMA/core", "ALSA: core" and "driver core" named Bluetooth's rfcomm/core.c,
     * "thermal/drivers/rcar" named every driver, "net: ..." 476 fixes. Generic words narrow nothing,
     * the function a subject names narrows to the fixes that change it, and an item that names too
     * many fixes to tell stays unattributed.
     */
    @Test
    void genericWordsNameNoFixAndANamedFunctionNarrowsToTheFixThatChangesIt() {
        List<FixDecision> fixes = new java.util.ArrayList<>(List.of(fix("net/bluetooth/rfcomm/core.c", FixStatus.LIVE_PATCHED),
                fix("drivers/infiniband/core/verbs.c", FixStatus.NEEDS_REBOOT), fix("drivers/infiniband/core/cq.c", FixStatus.LIVE_PATCHED),
                fix("sound/core/init.c", FixStatus.LIVE_PATCHED), fix("sound/core/pcm_native.c", FixStatus.LIVE_PATCHED),
                fix("drivers/thermal/rcar_thermal.c", FixStatus.NOT_BUILT), fix("drivers/thermal/qoriq_thermal.c", FixStatus.NOT_BUILT),
                fix("drivers/scsi/scsi_error.c", FixStatus.NEEDS_REBOOT), fix("drivers/scsi/scsi_lib.c", FixStatus.LIVE_PATCHED),
                fix("net/mac80211/mlme.c", FixStatus.LIVE_PATCHED), fix("drivers/net/wireless/ath/ath9k/main.c", FixStatus.LIVE_PATCHED),
                fix("include/net/l3mdev.h", FixStatus.LIVE_PATCHED), fix("drivers/base/core.c", FixStatus.LIVE_PATCHED),
                fix("fs/smb/client/cifs_debug.c", FixStatus.LIVE_PATCHED), fix("fs/smb/client/cifsfs.c", FixStatus.NEEDS_REBOOT)));
        for (int i = 0; i < ChangelogMatch.AT_MOST; i++) fixes.add(fix("net/ipv4/x" + i + ".c", FixStatus.LIVE_PATCHED));
        Map<String, java.util.Set<String>> changes = Map.of("drivers/infiniband/core/verbs.c", java.util.Set.of("ib_query_qp", "ib_modify_qp"),
                "drivers/infiniband/core/cq.c", java.util.Set.of("ib_free_cq"), "sound/core/init.c", java.util.Set.of("snd_card_do_free"),
                "drivers/scsi/scsi_error.c", java.util.Set.of("scsi_eh_lock_door"), "drivers/scsi/scsi_lib.c", java.util.Set.of("scsi_alloc_sgtables"),
                "include/net/l3mdev.h", java.util.Set.of("l3mdev_l3_rcv"), "drivers/base/core.c", java.util.Set.of("dev_err_probe"),
                "net/bluetooth/rfcomm/core.c", java.util.Set.of("rfcomm_run"), "fs/smb/client/cifsfs.c", java.util.Set.of("cifs_remap_file_range"));
        DebianChangelog.Item qp = item("RDMA/core: Fix use after free in ib_query_qp()", "CVE-2026-92512");
        DebianChangelog.Item restrack = item("RDMA/core: Add rdma_restrack_begin/abort/commit_del() operations");
        DebianChangelog.Item card = item("ALSA: core: Fix use-after-free in snd_card_do_free()", "CVE-2026-90198");
        DebianChangelog.Item rcar = item("thermal/drivers/rcar: Fix error checking in probe()", "CVE-2026-93142");
        DebianChangelog.Item door = item("scsi: core: Do not block on tag allocation in scsi_eh_lock_door()", "CVE-2026-93781");
        DebianChangelog.Item mlme = item("wifi: mac80211: fix a use-after-free in the station code");
        DebianChangelog.Item xps = item("net: xps: reject an out of range traffic class");
        DebianChangelog.Item l3 = item("net: fix NULL pointer dereference in l3mdev_l3_rcv", "CVE-2025-22103");
        DebianChangelog.Item probe = item("driver core: Make dev_err_probe() silent for -ENOMEM");
        DebianChangelog.Item remap = item("cifs: fix loff_t underflow in cifs_remap_file_range() when len == 0", "CVE-2026-89640");
        DebianChangelog.Item idmap = item("cifs: validate idmap key payload length", "CVE-2026-93785");
        Map<DebianChangelog.Item, List<String>> m = ChangelogMatch.attribute(List.of(qp, restrack, card, rcar, door, mlme, xps, l3, probe, remap, idmap),
                fixes, f -> changes.getOrDefault(f.id(), java.util.Set.of()));
        assertThat(m.get(qp)).containsExactly("drivers/infiniband/core/verbs.c");
        assertThat(m.get(restrack)).as("no function it names changed: all of RDMA").containsExactly("drivers/infiniband/core/verbs.c",
                "drivers/infiniband/core/cq.c");
        assertThat(m.get(card)).containsExactly("sound/core/init.c");
        assertThat(m.get(rcar)).containsExactly("drivers/thermal/rcar_thermal.c");
        assertThat(m.get(door)).containsExactly("drivers/scsi/scsi_error.c");
        assertThat(m.get(mlme)).containsExactly("net/mac80211/mlme.c");
        assertThat(m.get(l3)).containsExactly("include/net/l3mdev.h");
        assertThat(m.get(probe)).containsExactly("drivers/base/core.c");
        assertThat(m.get(remap)).as("not cifs_debug.c: cifs is no directory of 6.1").containsExactly("fs/smb/client/cifsfs.c");
        assertThat(m).doesNotContainKeys(xps, idmap);
        assertThat(m.values()).noneMatch(ids -> ids.contains("net/bluetooth/rfcomm/core.c"));
    }
}
