package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a header change does to the values of its macros and enumerators. */
class ValueChangesTest {
    @Test
    void aMacrosNewValueIsAChangeAndItsNewCommentIsNot() {
        assertThat(ValueChanges.of("#define A 0\n#define B 2 /* two */\n#define C 3\n",
                "/* why */\n#define A 1\n#define B 2 /* still two */\n#define C 3\n")).containsExactly("A");
    }

    @Test
    void aContinuationLineBelongsToItsMacro() {
        assertThat(ValueChanges.of("#define MASK(x) \\\n\t((x) & 0xff)\nint other;\n", "#define MASK(x) \\\n\t((x) & 0xfff)\nint other;\n"))
                .containsExactly("MASK");
    }

    @Test
    void enumeratorsWithExplicitValuesCountAndStatementsDoNot() {
        String before = "enum s {\n\tS_A = 1,\n\tS_B = 2,\n};\nstatic inline void f(int *x)\n{\n\tx = 5;\n}\n";
        String after = "enum s {\n\tS_A = 1,\n\tS_B = 3,\n};\nstatic inline void f(int *x)\n{\n\tx = 6;\n}\n";
        assertThat(ValueChanges.of(before, after)).containsExactly("S_B");
    }

    @Test
    void aNewOrRemovedNameIsNoValueChange() {
        // new names do not compile without the header, and removed ones do not compile with it: the compile says so
        assertThat(ValueChanges.of("#define OLD 1\n", "#define NEW 1\n")).isEmpty();
        assertThat(ValueChanges.of("int a;\n", "int a;\n")).isEmpty();
    }
}
