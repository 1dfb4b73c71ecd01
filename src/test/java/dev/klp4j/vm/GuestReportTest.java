package dev.klp4j.vm;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class GuestReportTest {
    @Test
    void parsesPhasesTransitionsAndDmesg() {
        GuestReport r = new GuestReport();
        for (String l : """
                noise before
                KLP4J booted 6.1.0-56-amd64
                KLP4J phase check-before pass check fails on the unpatched kernel
                KLP4J transition livepatch_cmdline 1968 60
                KLP4J phase load pass livepatch_cmdline
                KLP4J phase check-loaded fail check failed with the patches loaded: x
                KLP4J dmesg-begin
                [    1.0] livepatch: enabling patch 'livepatch_cmdline'
                KLP4J phase fake inside dmesg
                KLP4J dmesg-end
                KLP4J result fail
                """.split("\n")) {
            r.accept(l);
        }
        assertThat(r.bootedRelease()).isEqualTo("6.1.0-56-amd64");
        assertThat(r.phases()).extracting(GuestReport.Phase::name).containsExactly("check-before", "load", "check-loaded");
        assertThat(r.phases().get(2).detail()).isEqualTo("check failed with the patches loaded: x");
        assertThat(r.transitions()).containsExactly(new GuestReport.Transition("livepatch_cmdline", "patching", 1968, 60));
        assertThat(r.dmesg()).hasSize(2);
        assertThat(r.passed()).isFalse();
        assertThat(r.lastPhase()).isEqualTo("check-loaded");
    }

    @Test
    void passesOnlyWhenTheGuestSaysSoAndEveryPhaseHeld() {
        GuestReport r = new GuestReport();
        r.accept("KLP4J phase load pass x");
        assertThat(r.passed()).isFalse();
        r.accept("KLP4J result pass");
        assertThat(r.passed()).isTrue();
        r.accept("KLP4J phase dmesg fail WARNING: CPU: 0");
        assertThat(r.passed()).isFalse();
    }
}
