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
        Map<DebianChangelog.Item, List<String>> m = ChangelogMatch.attribute(List.of(sony, qla, iowq, nfsd, none, bump), fixes);
        assertThat(m.get(sony)).containsExactly("drivers/hid/hid-sony.c");
        assertThat(m.get(qla)).containsExactly("drivers/scsi/qla2xxx/qla_os.c");
        assertThat(m.get(iowq)).containsExactly("io_uring/io-wq.c");
        assertThat(m.get(nfsd)).as("a subsystem names all of its files").containsExactly("fs/nfsd/nfs4state.c", "fs/nfsd/nfs4proc.c");
        assertThat(m).doesNotContainKeys(none, bump);

        List<FixDecision> applied = ChangelogMatch.apply(List.of(sony, nfsd), fixes);
        assertThat(applied.get(0).cves()).containsExactly("CVE-2026-89625");
        assertThat(applied.get(0).changelog()).containsExactly("6.1.192-1: HID: sony: fix UAF of ghl_poke_timer");
        assertThat(applied.get(1).cves()).isEmpty();
        assertThat(applied.get(5).cves()).containsExactly("CVE-2026-89680");
    }
}
