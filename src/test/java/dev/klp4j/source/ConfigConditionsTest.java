package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.source.ConfigConditions.Truth;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConfigConditionsTest {
    // CONFIG_A=y, CONFIG_M=m, CONFIG_OFF not set.
    static final ConfigConditions CONFIG = new ConfigConditions(Set.of("CONFIG_A", "CONFIG_M_MODULE"));

    @Test
    void conditionsOfConfigSymbolsAreEvaluated() {
        assertThat(CONFIG.eval("defined(CONFIG_A)")).isEqualTo(Truth.TRUE);
        assertThat(CONFIG.eval("defined CONFIG_OFF")).isEqualTo(Truth.FALSE);
        assertThat(CONFIG.eval("IS_ENABLED(CONFIG_M)")).isEqualTo(Truth.TRUE);
        assertThat(CONFIG.eval("IS_BUILTIN(CONFIG_M)")).isEqualTo(Truth.FALSE);
        assertThat(CONFIG.eval("IS_MODULE(CONFIG_M) && !defined(CONFIG_OFF)")).isEqualTo(Truth.TRUE);
        assertThat(CONFIG.eval("defined(CONFIG_OFF) || (IS_ENABLED(CONFIG_OFF) && defined(__KERNEL__))")).isEqualTo(Truth.FALSE);
        // Anything beyond config symbols is unknown, and so is a value comparison.
        assertThat(CONFIG.eval("defined(__KERNEL__)")).isEqualTo(Truth.MAYBE);
        assertThat(CONFIG.eval("defined(CONFIG_OFF) || defined(__KERNEL__)")).isEqualTo(Truth.MAYBE);
        assertThat(CONFIG.eval("CONFIG_NR_CPUS > 1")).isEqualTo(Truth.MAYBE);
        assertThat(CONFIG.eval("CONFIG_OFF")).isEqualTo(Truth.FALSE);
    }

    @Test
    void linesUnderAConditionSurelyFalseAreDead() {
        String text = """
                #ifndef _H
                int live1;
                #ifdef CONFIG_OFF
                int dead1;
                #if defined(__KERNEL__)
                int dead2;
                #endif
                #else
                int live2;
                #endif
                #if IS_ENABLED(CONFIG_A)
                int live3;
                #elif defined(__KERNEL__)
                int dead3;
                #else
                int dead4;
                #endif
                #if defined(__KERNEL__)
                int live4;
                #elif defined(CONFIG_OFF) || \\
                	defined(CONFIG_OFF2)
                int dead5;
                #else
                int live5;
                #endif
                #endif
                """;
        boolean[] dead = new ConfigConditions(Set.of("CONFIG_A")).deadLines(text);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith("int dead")) assertThat(dead[i]).as(lines[i]).isTrue();
            if (lines[i].startsWith("int live")) assertThat(dead[i]).as(lines[i]).isFalse();
        }
    }

    @Test
    void aHeaderHunkUnderADisabledOptionChangesNothing() {
        String before = """
                struct task {
                	int a;
                #ifdef CONFIG_KCOV
                	int kcov_mode;
                #endif
                };
                """;
        String after = before.replace("\tint kcov_mode;\n", "\tint kcov_mode;\n\tint kcov_saved_mode;\n");
        assertThat(HeaderChange.changedInlines(before, after, CONFIG)).isEmpty();
        // With CONFIG_KCOV=y the struct changes: only preprocessing the users can tell which change.
        assertThat(HeaderChange.changedInlines(before, after, new ConfigConditions(Set.of("CONFIG_KCOV")))).isNull();
    }
}
