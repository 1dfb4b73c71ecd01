package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which edits of a preprocessed file change its reachable text, and which do not. */
class ReachableTextTest {
    /** A network header's shape: a struct, an inline that uses a macro's expansion, one that nobody calls. */
    static final String ORIGINAL = """
            # 1 "net/x.c"
            struct net_device { unsigned short hard_header_len; unsigned short needed_headroom; };
            typedef unsigned int u32;
            static inline u32 dst_reserve(const struct net_device *dev)
            {
             return ((((dev)->hard_header_len + (dev)->needed_headroom) & ~(16 - 1)) + 16);
            }
            static inline u32 used_reserve(const struct net_device *dev)
            {
             return ((dev)->hard_header_len & ~(16 - 1)) + 16;
            }
            # 40 "net/x.c"
            int x_xmit(struct net_device *dev)
            {
             return used_reserve(dev);
            }
            """;

    @Test
    void anInlineNobodyCallsIsNotReachable() {
        String edited = ORIGINAL.replace("& ~(16 - 1)) + 16);\n}\nstatic inline u32 used", "& ~(32 - 1)) + 32);\n}\nstatic inline u32 used");
        assertThat(edited).isNotEqualTo(ORIGINAL);
        assertThat(ReachableText.fingerprint(edited)).isEqualTo(ReachableText.fingerprint(ORIGINAL));
    }

    @Test
    void anInlineAFunctionCallsIsReachable() {
        String edited = ORIGINAL.replace("hard_header_len & ~(16 - 1)) + 16;", "hard_header_len & ~(32 - 1)) + 32;");
        assertThat(edited).isNotEqualTo(ORIGINAL);
        assertThat(ReachableText.fingerprint(edited)).isNotEqualTo(ReachableText.fingerprint(ORIGINAL));
    }

    @Test
    void aTypeReachedThroughAnInlineIsReachable() {
        String edited = ORIGINAL.replace("unsigned short needed_headroom;", "unsigned int needed_headroom;");
        assertThat(ReachableText.fingerprint(edited)).isNotEqualTo(ReachableText.fingerprint(ORIGINAL));
        String typedef = ORIGINAL.replace("typedef unsigned int u32;", "typedef unsigned long u32;");
        assertThat(ReachableText.fingerprint(typedef)).isNotEqualTo(ReachableText.fingerprint(ORIGINAL));
    }

    @Test
    void shiftedLinesAndNewUnusedDeclarationsAreNotChanges() {
        String shifted = ORIGINAL.replace("# 40 \"net/x.c\"", "# 41 \"net/x.c\"\n\n");
        assertThat(ReachableText.fingerprint(shifted)).isEqualTo(ReachableText.fingerprint(ORIGINAL));
        String declared = ORIGINAL.replace("typedef unsigned int u32;", "typedef unsigned int u32;\nstruct unused { int z; };\nint nobody(void);");
        assertThat(ReachableText.fingerprint(declared)).isEqualTo(ReachableText.fingerprint(ORIGINAL));
    }

    @Test
    void dataPragmasAndTopLevelAsmAlwaysCount() {
        String data = ORIGINAL + "static int table[] = { 1, 2 };\n";
        assertThat(ReachableText.fingerprint(data.replace("{ 1, 2 }", "{ 1, 3 }"))).isNotEqualTo(ReachableText.fingerprint(data));
        String pragma = ORIGINAL.replace("struct net_device", "#pragma pack(1)\nstruct net_device");
        assertThat(ReachableText.fingerprint(pragma)).isNotEqualTo(ReachableText.fingerprint(ORIGINAL));
        String asm = ORIGINAL + "asm(\".pushsection .discard\\n.popsection\");\n";
        assertThat(ReachableText.fingerprint(asm.replace(".discard", ".discard.x"))).isNotEqualTo(ReachableText.fingerprint(asm));
    }

    @Test
    void aVariableBehindAttributesIsData() {
        // What DEFINE_PER_CPU(int, hits) leaves in the preprocessed text: a definition in every includer.
        String percpu = ORIGINAL + "__attribute__((section(\".data..percpu\" \"\"))) __typeof__(int) hits;\n";
        assertThat(ReachableText.fingerprint(percpu)).isNotEqualTo(ReachableText.fingerprint(ORIGINAL));
    }
}
