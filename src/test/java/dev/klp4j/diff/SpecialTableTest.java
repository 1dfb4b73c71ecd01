package dev.klp4j.diff;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The one catalogue of special sections: what the differ, klp and the size probe read from it. */
class SpecialTableTest {
    @Test
    void everyMeasuredTableHasADefaultSizeAndAStruct() {
        assertThat(StructSizes.names()).containsExactlyInAnyOrderElementsOf(
                SpecialTable.measured().stream().map(t -> t.size().key()).toList());
        for (SpecialTable t : SpecialTable.measured()) {
            assertThat(t.size().struct()).as(t.section()).startsWith("struct ");
            assertThat(t.entrySize(StructSizes.defaults())).as(t.section()).isEqualTo(t.size().bytes());
        }
        // A measured size is the target's, not the default.
        assertThat(SpecialTable.JUMP_LABELS.entrySize(StructSizes.defaults().with("jump", 16))).isEqualTo(16);
        assertThat(SpecialTable.SMP_LOCKS.entrySize(StructSizes.defaults().with("jump", 16))).isEqualTo(4);
    }

    @Test
    void tablesAreFoundByTheirSectionName() {
        for (SpecialTable t : SpecialTable.values()) assertThat(SpecialTable.of(t.section())).contains(t);
        assertThat(SpecialTable.of(".text")).isEmpty();
        assertThat(Arrays.stream(SpecialTable.values()).map(SpecialTable::section).distinct()).hasSize(SpecialTable.values().length);
    }

    @Test
    void onlyObjtoolsAnnotationsAreNeverLoadedAndKeysOfJumpLabelsAndStaticCallsAreReadWhenTheModuleComes() {
        for (SpecialTable t : SpecialTable.values()) {
            assertThat(t.readAt() == SpecialTable.ReadAt.NEVER).as(t.section()).isEqualTo(t.section().startsWith(".discard."));
        }
        assertThat(SpecialTable.JUMP_LABELS.readAt()).isEqualTo(SpecialTable.ReadAt.COMING);
        assertThat(SpecialTable.STATIC_CALL_SITES.readAt()).isEqualTo(SpecialTable.ReadAt.COMING);
        assertThat(SpecialTable.objtoolTables()).containsExactlyInAnyOrder(".orc_unwind", ".orc_unwind_ip", ".return_sites",
                ".retpoline_sites", ".call_sites", ".static_call_sites", ".ibt_endbr_seal", ".cfi_sites");
    }
}
