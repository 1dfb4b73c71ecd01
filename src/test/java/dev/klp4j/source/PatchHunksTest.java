package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A patch cut by the constructs it falls in: the review's view of the source. */
class PatchHunksTest {
    static final String BEFORE = """
            #include <linux/fs.h>
            #define LIMIT 16

            static int limit = LIMIT;

            struct thing {
            \tint a;
            };

            static int __init thing_init(void)
            {
            \treturn 0;
            }

            int thing_get(struct thing *t)
            {
            \tif (t->a > limit)
            \t\treturn -1;
            \treturn t->a;
            }
            """;

    @Test
    void eachChangedConstructIsOneHunkWithItsScopeAndName() {
        String after = BEFORE.replace("#define LIMIT 16", "#define LIMIT 32")
                .replace("static int limit = LIMIT;", "static int limit = LIMIT + 1;")
                .replace("\tint a;\n", "\tint a;\n\tint b;\n")
                .replace("\treturn 0;\n}", "\treturn 1;\n}")
                .replace("\tif (t->a > limit)", "\tif (t->a >= limit)");
        List<SourceHunk> h = PatchHunks.of("fs/thing.c", BEFORE, after);
        assertThat(h).extracting(SourceHunk::scope, SourceHunk::name).containsExactly(
                org.assertj.core.groups.Tuple.tuple(SourceHunk.Scope.MACRO, "LIMIT"),
                org.assertj.core.groups.Tuple.tuple(SourceHunk.Scope.DATA, "limit"),
                org.assertj.core.groups.Tuple.tuple(SourceHunk.Scope.TYPE, "thing"),
                org.assertj.core.groups.Tuple.tuple(SourceHunk.Scope.FUNCTION, "thing_init"),
                org.assertj.core.groups.Tuple.tuple(SourceHunk.Scope.FUNCTION, "thing_get"));
        SourceHunk init = h.get(3);
        assertThat(init.declaration()).isEqualTo("static int __init thing_init(void)\n{");
        assertThat(init.removed()).containsExactly("\treturn 0;");
        assertThat(init.added()).containsExactly("\treturn 1;");
        assertThat(h.get(2).removed()).isEmpty();
        assertThat(h.get(2).added()).containsExactly("\tint b;");
    }

    @Test
    void blankLinesAloneAreNoHunk() {
        assertThat(PatchHunks.of("fs/thing.c", BEFORE, BEFORE.replace("static int limit", "\n\nstatic int limit"))).isEmpty();
    }

    @Test
    void functionsAreTheDefinitionsByName() {
        assertThat(PatchHunks.functions(BEFORE)).containsOnlyKeys("thing_init", "thing_get");
        assertThat(PatchHunks.functions(BEFORE).get("thing_get")).startsWith("int thing_get(struct thing *t)").endsWith("}");
    }

    @Test
    void aFunctionThePatchTellsTheDifferToIgnoreIsNoHunk() {
        String after = BEFORE.replace("\treturn 0;\n}", "\treturn 1;\n}\nKPATCH_IGNORE_FUNCTION(thing_init);");
        assertThat(PatchHunks.of("fs/thing.c", BEFORE, after)).extracting(SourceHunk::name).doesNotContain("thing_init");
    }

    /** lockdep_types.h of 6.1.188: struct lock_class gains members, all under CONFIG_LOCKDEP, which Debian leaves out. */
    static final String LOCKDEP_BEFORE = """
            #ifndef __LINUX_LOCKDEP_TYPES_H
            #define __LINUX_LOCKDEP_TYPES_H
            #ifdef CONFIG_LOCKDEP
            struct lock_class {
            	const struct lockdep_subclass_key *key;
            	unsigned int subclass;
            };
            #else
            struct lock_class_key { };
            #endif
            struct lockdep_map_p { int x; };
            #endif
            """;

    @Test
    void linesTheConfigCompilesOutAreNoHunk() {
        String after = LOCKDEP_BEFORE.replace("*key;\n", "*key;\n\tlock_cmp_fn cmp_fn;\n").replace("int x;", "int x, y;");
        List<SourceHunk> all = PatchHunks.of("include/linux/lockdep_types.h", LOCKDEP_BEFORE, after);
        assertThat(all).extracting(SourceHunk::name).containsExactly("lock_class", "lockdep_map_p");

        List<SourceHunk> compiled = PatchHunks.of("include/linux/lockdep_types.h", LOCKDEP_BEFORE, after,
                new ConfigConditions(java.util.Set.of("CONFIG_LOCKDEP_SUPPORT")));
        assertThat(compiled).extracting(SourceHunk::name).containsExactly("lockdep_map_p");
        assertThat(PatchHunks.of("include/linux/lockdep_types.h", LOCKDEP_BEFORE, after,
                new ConfigConditions(java.util.Set.of("CONFIG_LOCKDEP")))).extracting(SourceHunk::name).containsExactly("lock_class", "lockdep_map_p");
    }
}
