package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which static inlines a header change touches, and which preprocessed sources use them. */
class HeaderChangeTest {
    static final String HEADER = """
            /* SPDX */
            #ifndef _X_H
            #define _X_H
            #define LIMIT 16

            struct thing {
            \tint a;
            \tint b;
            };

            static inline int thing_sum(const struct thing *t)
            {
            \treturn t->a + t->b;
            }

            static __always_inline __attribute__((pure)) int thing_max(const struct thing *t)
            {
            \tif (t->a > t->b)
            \t\treturn t->a;
            \treturn t->b;
            }

            int thing_register(struct thing *t);
            #endif
            """;

    @Test
    void aBodyChangeNamesItsFunction() {
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("return t->a + t->b;", "return t->a + t->b + 1;")))
                .containsExactly("thing_sum");
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("\treturn t->b;\n}", "\tif (!t)\n\t\treturn 0;\n\treturn t->b;\n}")))
                .containsExactly("thing_max");
    }

    @Test
    void commentsAreNoChangeAndEverythingElseIsAnything() {
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("/* SPDX */", "/* SPDX, reworded */"))).isEmpty();
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("#define LIMIT 16", "#define LIMIT 32"))).isNull();
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("#define LIMIT 16", "#define LIMIT 32 /* more */")))
                .as("a macro line ending in a comment is still a macro").isNull();
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("\tint b;", "\tint b;\n\tint c;"))).isNull();
        assertThat(HeaderChange.changedInlines(HEADER, HEADER.replace("int thing_register(struct thing *t);",
                "int thing_register(struct thing *t, int flags);"))).isNull();
    }

    @Test
    void codeReachesAnInlineByItsNameOrByWhatInTheHeaderNamesIt() {
        String h = HEADER.replace("int thing_register(struct thing *t);", """
                int thing_register(struct thing *t);
                #define THING_TOTAL(t) \\
                \t(thing_sum(t) + 0)
                static inline int thing_twice(const struct thing *t) { return 2 * THING_TOTAL(t); }
                """);
        assertThat(HeaderChange.reachingNames(h, Set.of("thing_sum"))).containsExactlyInAnyOrder("thing_sum", "THING_TOTAL", "thing_twice");
        assertThat(HeaderChange.reachingNames(h, Set.of("thing_max"))).containsExactly("thing_max");
        assertThat(HeaderChange.reachingNames(h + "static int (*hook)(const struct thing *) = thing_max;\n", Set.of("thing_max")))
                .as("named by something without a name of its own").isNull();
    }

    private static Path preprocessed(Path dir, String code) throws Exception {
        Path i = dir.resolve("x.i");
        Files.writeString(i, "# 1 \"x.c\"\n" + HEADER.replaceAll("(?m)^#.*$", "") + "# 30 \"x.c\"\n" + code);
        return i;
    }

    @Test
    void aUserCallsItFromCompiledCode(@TempDir Path dir) throws Exception {
        Set<String> f = Set.of("thing_sum");
        assertThat(HeaderChange.uses(preprocessed(dir, "int f(struct thing *t) { return thing_sum(t); }\n"), f)).isTrue();
        assertThat(HeaderChange.uses(preprocessed(dir, "static int (*op)(const struct thing *) = thing_sum;\n"), f))
                .as("its address in an initializer").isTrue();
        assertThat(HeaderChange.uses(preprocessed(dir, """
                static inline int twice(const struct thing *t) { return 2 * thing_sum(t); }
                int g(struct thing *t) { return twice(t); }
                """), f)).as("through another static inline").isTrue();
    }

    @Test
    void includingTheHeaderIsNotUsingIt(@TempDir Path dir) throws Exception {
        Set<String> f = Set.of("thing_sum");
        assertThat(HeaderChange.uses(preprocessed(dir, "int f(struct thing *t) { return thing_max(t); }\n"), f)).isFalse();
        assertThat(HeaderChange.uses(preprocessed(dir, """
                static inline int twice(const struct thing *t) { return 2 * thing_sum(t); }
                static inline int thing_sum(const struct thing *t);
                int g(struct thing *t) { return t->a; }
                """), f)).as("only unused static inlines and a prototype mention it").isFalse();
    }

    @Test
    void typesPrototypesAndNewMacrosAreFollowedByName() {
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("\tint b;", "\tint b;\n\tint c;"), null).types())
                .as("a struct: code reaches it through other types without naming it").containsExactly("thing");
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("int thing_register(struct thing *t);",
                "int thing_register(struct thing *t, int flags);"), null).named())
                .as("a prototype: only code that names it (or a macro or inline that does) calls it").containsExactly("thing_register");
        // An enumerator renamed, its old name kept as a macro (a real nf_tables fix).
        String e = HEADER.replace("struct thing {", "enum thing_op {\n\tTHING_BOOL,\n\tTHING_SHIFT,\n};\n\nstruct thing {");
        assertThat(HeaderChange.changedNames(e, e.replace("\tTHING_BOOL,", "\tTHING_MASK_XOR,")
                .replace("#define LIMIT 16", "#define LIMIT 16\n#define THING_BOOL THING_MASK_XOR"), null).all())
                .as("the new name THING_MASK_XOR is used by no original code").containsExactly("THING_BOOL", "THING_SHIFT", "thing_op");
        // An enum's size stays an int's: only code naming it or its enumerators changes (its values move).
        String added = e.replace("\tTHING_SHIFT,", "\tTHING_NOT,\n\tTHING_SHIFT,");
        HeaderChange.Names enumNames = HeaderChange.changedNames(e, added, null);
        assertThat(enumNames.types()).isEmpty();
        assertThat(enumNames.named()).containsExactly("THING_BOOL", "THING_SHIFT", "thing_op");
        // A 64-bit value makes the enum wider: structs holding one move.
        assertThat(HeaderChange.changedNames(e, e.replace("\tTHING_SHIFT,", "\tTHING_SHIFT,\n\tTHING_HUGE = 0x1ULL << 40,"), null)
                .types()).containsExactly("THING_BOOL", "THING_SHIFT", "thing_op");
        assertThat(HeaderChange.changedNames(e, e.replace("\tTHING_SHIFT,", "\tTHING_SHIFT,\n\tTHING_FULL = 1 << 4,"), null)
                .types()).as("FULL is a name, not a ULL suffix").isEmpty();
        // A prototype and an inline the header did not have: nothing compiled before can use them.
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("int thing_register(struct thing *t);",
                "int thing_register(struct thing *t);\nint thing_unregister(struct thing *t);\n"
                        + "static inline int thing_none(void) { return 0; }"), null).isEmpty()).isTrue();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("#define LIMIT 16", "#define LIMIT 32"), null).macros())
                .as("a changed macro: the text of the code that expands it changes").containsExactly("LIMIT");
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("#define LIMIT 16\n", ""), null).macros())
                .as("a removed macro").containsExactly("LIMIT");
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("#define _X_H", "#define _X_H\n#include <linux/refcount.h>"), null)
                .isEmpty()).as("an added #include brings only names the original code never used").isTrue();
        assertThat(HeaderChange.changedNames(HEADER.replace("#define _X_H", "#define _X_H\n#include <linux/refcount.h>"), HEADER, null))
                .as("a removed #include").isNull();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("int thing_register(struct thing *t);",
                "int thing_register(struct thing *t);\nDECLARE_PER_CPU(int, thing_count);"), null))
                .as("a declaration a macro makes").isNull();
    }

    @Test
    void aConditionalAddedWholeIsFollowedByTheNamesInside() {
        // 6.1.188's compiler_attributes.h: a new attribute macro, defined in both branches of a new #if.
        String added = HEADER.replace("#define LIMIT 16\n", "#define LIMIT 16\n/*\n * Optional: GCC >= 11.1\n */\n"
                + "#if __has_attribute(__no_stack_protector__)\n# define __no_stack_protector __attribute__((__no_stack_protector__))\n"
                + "#else\n# define __no_stack_protector\n#endif\n");
        assertThat(HeaderChange.changedNames(HEADER, added, null).isEmpty()).as("only a new name").isTrue();
        // 6.1.188's lockdep.h: a new block whose first branch this config leaves out.
        String lockdep = HEADER.replace("#define LIMIT 16\n", "#define LIMIT 16\n#ifdef CONFIG_PROVE_LOCKING\nvoid lockdep_set_cmp_fn(int *lock);\n"
                + "#define lock_set_cmp_fn(lock) lockdep_set_cmp_fn(lock)\n#else\n#define lock_set_cmp_fn(lock) do { } while (0)\n#endif\n");
        assertThat(HeaderChange.changedNames(HEADER, lockdep, new ConfigConditions(Set.of("CONFIG_LOCKDEP_SUPPORT"))).isEmpty()).isTrue();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("#define LIMIT 16\n", "#ifdef CONFIG_SMALL\n#define LIMIT 8\n#else\n#define LIMIT 32\n#endif\n"),
                null).macros()).as("a new block that defines a macro the header had: the macro is followed").containsExactly("LIMIT");
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace("struct thing {", "#ifdef CONFIG_SMALL\nstruct thing {")
                .replace("};\n", "};\n#endif\n"), null)).as("an #if put around lines the header had").isNull();
        assertThat(HeaderChange.changedNames(added, added.replace("#if __has_attribute(__no_stack_protector__)", "#if __has_attribute(__stack_protector__)"), null))
                .as("the condition of a block the header had").isNull();
    }

    /** Definitions as linux/cleanup.h and percpu-defs.h have them (continuation lines kept). */
    static final java.util.Map<String, String> MACROS = java.util.Map.of(
            "DEFINE_FREE", "(_name, _type, _free) \\\n\tstatic inline void __free_##_name(void *p) { _type _T = *(_type *)p; _free; }",
            "DEFINE_CLASS", "(_name, _type, _exit, _init, _init_args...)\t\t\\\ntypedef _type class_##_name##_t;\t\\\n"
                    + "static inline void class_##_name##_destructor(_type *p)\t\\\n{ _type _T = *p; _exit; }\t\\\n"
                    + "static inline _type class_##_name##_constructor(_init_args)\t\\\n{ _type t = _init; return t; }",
            "DEFINE_GUARD", "(_name, _type, _lock, _unlock) \\\n\tDEFINE_CLASS(_name, _type, _unlock, ({ _lock; _T; }), _type _T)",
            "DEFINE_PER_CPU", "(type, name)\t\t\t\t\t\\\n\tDEFINE_PER_CPU_SECTION(type, name, \"\")",
            "DEFINE_PER_CPU_SECTION", "(type, name, sec)\t\t\t\t\\\n\t__PCPU_ATTRS(sec) __typeof__(type) name",
            "DEFINE_USED", "(_name) \\\n\tstatic inline void __used _name##_keep(void) { }");

    @Test
    void anAddedInvocationOfAMacroThatOnlyDeclaresAddsNewNames() {
        String open = "int thing_register(struct thing *t);";
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace(open,
                "DEFINE_FREE(thing, struct thing *, if (_T) thing_put(_T))\n" + open), null, MACROS::get).isEmpty())
                .as("DEFINE_FREE, no semicolon, before a prototype").isTrue();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace(open,
                "DEFINE_GUARD(thing, struct thing *, thing_lock(_T), thing_unlock(_T))\n" + open), null, MACROS::get).isEmpty())
                .as("DEFINE_GUARD, through DEFINE_CLASS").isTrue();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace(open, "DEFINE_PER_CPU(int, thing_hits);\n" + open), null, MACROS::get))
                .as("a variable in every includer").isNull();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace(open, "DEFINE_USED(thing)\n" + open), null, MACROS::get))
                .as("an inline that is emitted even where unused").isNull();
        assertThat(HeaderChange.changedNames(HEADER, HEADER.replace(open, "DEFINE_UNKNOWN(thing)\n" + open), null, MACROS::get))
                .as("a macro whose definition is not found").isNull();
        String withFree = HEADER.replace(open, "DEFINE_FREE(thing, struct thing *, if (_T) thing_put(_T))\n" + open);
        assertThat(HeaderChange.changedNames(withFree, withFree.replace("if (_T) thing_put(_T)", "if (_T) thing_drop(_T)"), null, MACROS::get))
                .as("an edited invocation changes what existing code calls").isNull();
    }

    @Test
    void compiledCodeDependsOnAChangedTypeThroughOtherTypes(@TempDir Path dir) throws Exception {
        Set<String> t = Set.of("thing");
        assertThat(HeaderChange.dependsOn(preprocessed(dir, """
                struct holder { struct thing *item; };
                typedef struct holder holder_t;
                int f(holder_t *h) { return h->item->b; }
                """), t)).as("a member of a struct the typedef names").isTrue();
        assertThat(HeaderChange.dependsOn(preprocessed(dir, "static struct thing one = { 1, 2 };\n"), t)).as("data of that type").isTrue();
        assertThat(HeaderChange.dependsOn(preprocessed(dir, """
                struct other { int x; };
                int thing_register(struct thing *t);
                int f(struct other *o) { return o->x; }
                """), t)).as("only the header's own inlines and prototypes mention it").isFalse();
        assertThat(HeaderChange.dependsOn(preprocessed(dir, "int g(void) { return thing_register(0); }\n"), Set.of("thing_register")))
                .isTrue();
    }

    @Test
    void oneCutFileAnswersEveryQuestionAsTheFileDoesEachTime(@TempDir Path dir) throws Exception {
        // An update's header batch asks one object's cut text about many headers' changes in turn:
        // what one question follows must not leak into the next.
        Path i = preprocessed(dir, """
                struct holder { struct thing *item; };
                int f(struct holder *h) { return thing_sum(h->item); }
                """);
        PreprocessedUnit unit = PreprocessedUnit.read(i);
        for (Set<String> names : List.of(Set.of("thing"), Set.of("holder_unused"), Set.of("thing_register"), Set.of("holder"), Set.of("thing"))) {
            assertThat(HeaderChange.dependsOn(unit, names)).as("dependsOn " + names).isEqualTo(HeaderChange.dependsOn(i, names));
        }
        assertThat(HeaderChange.dependsOn(unit, Set.of("thing"))).isTrue();
        assertThat(HeaderChange.dependsOn(unit, Set.of("thing_register"))).isFalse();
        assertThat(HeaderChange.uses(unit, Set.of("thing_sum"))).isTrue();
        assertThat(HeaderChange.uses(unit, Set.of("thing_max"))).isFalse();
        assertThat(HeaderChange.uses(unit, Set.of("thing_sum"))).isTrue();
    }
}
