package dev.klp4j.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.diff.SpecialTable;
import org.junit.jupiter.api.Test;

/** The size probe is written from the special-section catalogue (the kernel compile is KernelTreeTest's). */
class TargetStructSizesTest {
    @Test
    void theProbeMeasuresEveryMeasuredTableUnderItsGuard() {
        String c = TargetStructSizes.source();
        for (SpecialTable t : SpecialTable.measured()) {
            String line = "SIZE(" + t.size().key() + ", " + t.size().struct() + ");\n";
            assertThat(c).contains(t.size().guard() == null ? line : "#ifdef " + t.size().guard() + "\n" + line + "#endif\n");
        }
        assertThat(c).contains("SIZE(ex, struct exception_table_entry);\n").contains("#ifdef CONFIG_JUMP_LABEL\nSIZE(jump, struct jump_entry);\n#endif");
    }
}
