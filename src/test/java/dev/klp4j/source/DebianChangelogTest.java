package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.debian.DebianVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

class DebianChangelogTest {
    /** The head of linux-source-6.1 6.1.192-3's changelog, as Debian writes it (shortened). */
    static final String TEXT = """
            linux (6.1.192-3) bookworm-security; urgency=high

              * nfsd: fix a use-after-free of the session in nfsd4_sequence
                (CVE-2026-99362)

             -- Salvatore Bonaccorso <carnil@debian.org>  Thu, 26 Nov 2026 21:01:11 +0100

            linux (6.1.192-2) bookworm-security; urgency=high

              * ext4: fix NULL folio dereference in mballoc (Closes: #1154101)

             -- Salvatore Bonaccorso <carnil@debian.org>  Mon, 16 Nov 2026 11:17:40 +0100

            linux (6.1.192-1) bookworm-security; urgency=high

              * New upstream stable update:
                https://www.kernel.org/pub/linux/kernel/v6.x/ChangeLog-6.1.191
                - io_uring/io-wq: don't lose the signal that ends work (CVE-2026-99228)
                - apparmor: fix out-of-bounds write when null terminating a label vec
                  (CVE-2026-89761)
                - HID: sony: fix UAF of ghl_poke_timer / ghl_urb at driver unbind
                  (CVE-2026-89625)
                - [x86] drm/i915: don't leak a reference (CVE-2026-1111, CVE-2026-2222)
              * Bump ABI to 55

             -- Salvatore Bonaccorso <carnil@debian.org>  Sat, 07 Nov 2026 11:22:33 +0100

            linux (6.1.190-1) bookworm-security; urgency=high

              * ocfs2: an older fix (CVE-2026-1)
            """;

    @Test
    void readsEntriesItemsContinuationLinesAndCves() {
        DebianChangelog c = DebianChangelog.parse(TEXT);
        assertThat(c.entries()).extracting(DebianChangelog.Entry::version).containsExactly("6.1.192-3", "6.1.192-2", "6.1.192-1", "6.1.190-1");
        DebianChangelog.Entry e = c.entries().get(2);
        assertThat(e.distribution()).isEqualTo("bookworm-security");
        assertThat(e.items()).extracting(DebianChangelog.Item::text).containsExactly(
                "New upstream stable update: https://www.kernel.org/pub/linux/kernel/v6.x/ChangeLog-6.1.191",
                "io_uring/io-wq: don't lose the signal that ends work (CVE-2026-99228)",
                "apparmor: fix out-of-bounds write when null terminating a label vec (CVE-2026-89761)",
                "HID: sony: fix UAF of ghl_poke_timer / ghl_urb at driver unbind (CVE-2026-89625)",
                "[x86] drm/i915: don't leak a reference (CVE-2026-1111, CVE-2026-2222)",
                "Bump ABI to 55");
        assertThat(e.items().get(4).cves()).containsExactly("CVE-2026-1111", "CVE-2026-2222");
        assertThat(c.entries().get(0).items().get(0).cves()).containsExactly("CVE-2026-99362");
    }

    @Test
    void theSubsystemIsTheSubjectsPrefix() {
        List<DebianChangelog.Item> items = DebianChangelog.parse(TEXT).entries().get(2).items();
        assertThat(items.get(0).subsystem()).as("a sentence is no prefix").isEmpty();
        assertThat(items.get(1).subsystem()).containsExactly("io_uring", "io-wq");
        assertThat(items.get(3).subsystem()).containsExactly("HID", "sony");
        assertThat(items.get(4).subsystem()).as("Debian's [x86] tag is not part of it").containsExactly("drm", "i915");
        assertThat(items.get(5).subsystem()).isEmpty();
    }

    @Test
    void itemsBetweenTwoVersionsLeaveOutTheOlderOne() {
        DebianChangelog c = DebianChangelog.parse(TEXT);
        assertThat(c.between("6.1.192-1", "6.1.192-3", DebianVersion.ORDER)).extracting(DebianChangelog.Item::version)
                .containsExactly("6.1.192-3", "6.1.192-2");
        assertThat(c.between("6.1.190-1", "6.1.192-2", DebianVersion.ORDER)).extracting(DebianChangelog.Item::version)
                .doesNotContain("6.1.192-3", "6.1.190-1").contains("6.1.192-2", "6.1.192-1");
    }
}
