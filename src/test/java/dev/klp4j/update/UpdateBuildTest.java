package dev.klp4j.update;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which live-patched fixes a refusal of the update's one module takes out; what a release's config sets. */
class UpdateBuildTest {
    @TempDir Path tmp;

    @Test
    void theMakefileGateAsksTheReleasesConfigAndWithoutOneCallsNothingUnbuilt() throws Exception {
        Path config = tmp.resolve("config");
        Files.writeString(config, "CONFIG_XFS_FS=m\n# CONFIG_CHARGER_QCOM_SMB2 is not set\n");
        assertThat(UpdateBuild.configSets(config)).accepts("CONFIG_XFS_FS").rejects("CONFIG_CHARGER_QCOM_SMB2");
        assertThat(UpdateBuild.configSets(tmp.resolve("missing"))).accepts("CONFIG_CHARGER_QCOM_SMB2");
    }

    private static FixDecision live(String id, String... files) {
        return new FixDecision(id, List.of(files), List.of("f"), FixStatus.LIVE_PATCHED, null, List.of(), List.of());
    }

    private final List<FixDecision> live = List.of(
            live("net/ipv6/route.c", "net/ipv6/route.c"),
            live("kernel/rcu/srcutree.c", "include/linux/srcu.h", "kernel/rcu/srcutree.c"),
            live("net/ipv6/ip6_output.c", "net/ipv6/ip6_output.c"));

    @Test
    void theFixWhoseObjectIsRefusedIsTakenOut() {
        // 6.12.118: route.c built alone; with srcu.h (another fix's) its object was refused.
        String reason = "the patch cannot be live patched\nnet/ipv6/route.o: ip6_route_init: changed __init function (.init.text): it ran";
        assertThat(UpdateBuild.blamed(reason, live)).containsExactly("net/ipv6/route.c");
    }

    @Test
    void aFixCarryingTheObjectsSourceAmongItsFilesIsBlamedToo() {
        assertThat(UpdateBuild.blamed("kernel/rcu/srcutree.o: srcu_gp_end: changed __init function", live))
                .containsExactly("kernel/rcu/srcutree.c");
    }

    @Test
    void aRefusalNamingAFixsHeaderBlamesTheFixThatCarriesIt() {
        assertThat(UpdateBuild.blamed("unsafe type-layout include/linux/srcu.h struct srcu_struct: changes its members", live))
                .containsExactly("kernel/rcu/srcutree.c");
        // a header no live fix carries, or a path that only ends like one, blames none
        assertThat(UpdateBuild.blamed("unsafe type-layout include/linux/netdevice.h struct net_device", live)).isEmpty();
        assertThat(UpdateBuild.blamed("unsafe type-layout arch/include/linux/srcu.h struct x", live)).isEmpty();
    }

    /**
     * The module refuses an object no fix's C file makes: it is there as a user of a fix's header.
     * The fixes whose headers its source includes are taken out, not the update stopped.
     */
    @Test
    void aRefusedHeaderUserBlamesTheFixesWhoseHeadersItsSourceIncludes() {
        java.util.Map<String, java.util.Set<String>> includers = java.util.Map.of(
                "include/linux/srcu.h", java.util.Set.of("kernel/rcu/srcutree.c", "drivers/md/dm.c", "fs/dax.c"),
                "include/net/ip6_route.h", java.util.Set.of("net/ipv6/route.c"));
        List<FixDecision> withHeaders = List.of(live.get(0), live.get(1), live("net/ipv6/ip6_output.c", "include/net/ip6_route.h",
                "net/ipv6/ip6_output.c"));
        assertThat(UpdateBuild.includersBlamed("drivers/md/dm.o: dm_submit_bio: changed function has no fentry call", withHeaders,
                h -> includers.getOrDefault(h, java.util.Set.of()))).containsExactly("kernel/rcu/srcutree.c");
        assertThat(UpdateBuild.includersBlamed("unsafe type-layout struct x", withHeaders, h -> includers.getOrDefault(h, java.util.Set.of())))
                .as("no object named").isEmpty();
        assertThat(UpdateBuild.includersBlamed("sound/core/init.o: x: changed data", withHeaders, h -> includers.getOrDefault(h, java.util.Set.of())))
                .as("an object no fix's header reaches").isEmpty();
    }

    @Test
    void aRefusalNamingNoFixsObjectBlamesNone() {
        assertThat(UpdateBuild.blamed(null, live)).isEmpty();
        assertThat(UpdateBuild.blamed("drivers/gpu/drm/amd/amdgpu/amdgpu_cs.o: x: changed data", live)).isEmpty();
    }
}
