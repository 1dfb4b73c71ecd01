package dev.klp4j.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What update.json claims: never a CVE fixed that the module does not carry whole. */
class UpdateResultTest {
    private static FixDecision fix(String id, FixStatus s, String... cves) {
        return new FixDecision(id, List.of(id), List.of(), s, s == FixStatus.LIVE_PATCHED ? null : "why", List.of(), List.of(cves));
    }

    private static final List<FixDecision> FIXES = List.of(
            fix("fs/ext4/mballoc.c", FixStatus.LIVE_PATCHED, "CVE-1"),
            fix("fs/nfsd/nfs4state.c", FixStatus.LIVE_PATCHED, "CVE-2"),
            fix("fs/nfsd/nfs4proc.c", FixStatus.NEEDS_REBOOT, "CVE-2", "CVE-3"),
            fix("drivers/hid/hid-sony.c", FixStatus.NOT_BUILT, "CVE-4"),
            fix("mm/slub.c", FixStatus.NO_CHANGE));

    @Test
    void aCveIsLivePatchedOnlyWhenEveryFixNamingItIsInTheModule() {
        UpdateResult r = new UpdateResult("6.1.0-55-amd64", "6.1.192-1", "6.1.192-3", "/out/m.ko", ProofStatus.PASSED, null, FIXES, List.of("CVE-9"), 1);
        assertThat(r.livePatchedCves()).containsExactly("CVE-1");
        assertThat(r.needsRebootCves()).containsExactly("CVE-2", "CVE-3", "CVE-9");
        assertThat(r.notAffectedCves()).containsExactly("CVE-4");
        assertThat(r.effective()).isEqualTo("6.1.192-3 except 1 fix that needs a reboot");
        Map<String, Object> j = r.toJson();
        assertThat(j).containsKeys("release", "from", "to", "module", "proven", "fixes", "cves", "effective");
        dev.klp4j.testing.JsonContract.check("update", dev.klp4j.cli.Json.write(j));
        assertThat(j.get("permanent")).isEqualTo(false);
        assertThat(((Map<?, ?>) j.get("cves")).get("live_patched")).isEqualTo(List.of("CVE-1"));
        assertThat(((Map<?, ?>) j.get("counts")).get("live-patched")).isEqualTo(2L);
    }

    @Test
    void withoutAModuleNothingIsLivePatched() {
        UpdateResult r = new UpdateResult("6.1.0-55-amd64", "6.1.192-1", "6.1.192-3", null, ProofStatus.NOT_RUN, null, FIXES, List.of(), 1);
        assertThat(r.livePatchedCves()).isEmpty();
        assertThat(r.needsRebootCves()).contains("CVE-1", "CVE-2", "CVE-3");
        assertThat(r.effective()).isEqualTo("6.1.192-1 (nothing of 6.1.192-3 is live patched)");
        UpdateResult current = new UpdateResult("6.1.0-57-amd64", "6.1.192-3", "6.1.192-3", null, ProofStatus.NOT_RUN, null, List.of(), List.of(), 1);
        assertThat(current.effective()).isEqualTo("6.1.192-3");
    }

    @Test
    void aModuleWhoseProofFailedClaimsNothing() {
        UpdateResult r = new UpdateResult("6.1.0-53-amd64", "6.1.187-1", "6.1.190-1", "/out/m.ko", ProofStatus.FAILED, null, FIXES, List.of(), 1);
        assertThat(r.proven()).isFalse();
        assertThat(r.livePatchedCves()).isEmpty();
        assertThat(r.needsRebootCves()).contains("CVE-1", "CVE-2", "CVE-3");
        assertThat(r.effective()).isEqualTo("6.1.187-1 (the module's proof failed: nothing of 6.1.190-1 is live patched)");
        assertThat(r.toJson().get("proven")).isEqualTo(false);
        UpdateResult unproven = new UpdateResult("6.1.0-53-amd64", "6.1.187-1", "6.1.190-1", "/out/m.ko", ProofStatus.NOT_RUN, null, FIXES, List.of(), 1);
        assertThat(unproven.livePatchedCves()).containsExactly("CVE-1");
    }
}
