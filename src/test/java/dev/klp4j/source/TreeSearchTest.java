package dev.klp4j.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The callers a removed function leaves, found by grep in a small tree. */
class TreeSearchTest {
    @TempDir Path tree;

    private void write(String file, String text) throws IOException {
        Path p = tree.resolve(file);
        Files.createDirectories(p.getParent());
        Files.writeString(p, text);
    }

    @Test
    void filesThatNameTheWordAndCountAreFoundSortedUpToTheLimit() throws IOException {
        write("sound/soc/sof/hda.c", "void stop(void *b) { snd_hdac_link_free_all(b); }\n");
        write("sound/soc/intel/avs/core.c", "void stop(void *b) { snd_hdac_link_free_all(b); }\n"); // not built on amd64
        write("sound/soc/intel/skylake/skl.c", "void stop(void *b) { snd_hdac_link_free_all(b); }\n");
        write("sound/hda/ext/hdac_ext_controller.c", "void snd_hdac_link_free_all(void *b) { }\n");
        write("include/sound/hdaudio_ext.h", "void snd_hdac_link_free_all(void *b);\n"); // a declaration calls nothing
        write("sound/x.c", "int snd_hdac_link_free_all_count;\n"); // another word
        write("arch/x86/entry.S", "\tcall snd_hdac_link_free_all\n");

        TreeSearch built = new TreeSearch(tree, f -> !f.contains("/avs/"));
        assertThat(built.filesNaming("snd_hdac_link_free_all", Set.of("sound/hda/ext/hdac_ext_controller.c"), 5))
                .containsExactly("arch/x86/entry.S", "sound/soc/intel/skylake/skl.c", "sound/soc/sof/hda.c");
        assertThat(new TreeSearch(tree).filesNaming("snd_hdac_link_free_all", Set.of(), 2))
                .containsExactly("arch/x86/entry.S", "sound/hda/ext/hdac_ext_controller.c");
        assertThat(built.filesNaming("snd_hdac_ext_link_free_all", Set.of(), 5)).isEmpty();
    }

    @Test
    void onlyAnIdentifierIsSearchedFor() {
        assertThatThrownBy(() -> new TreeSearch(tree).filesNaming("a -e b", Set.of(), 5)).isInstanceOf(IllegalArgumentException.class);
    }
}
