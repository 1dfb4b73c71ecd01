package dev.klp4j.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.testing.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleFileTest {
    @Test
    void aCompressedModuleIsUnpackedAndAPlainOneIsTakenAsItIs(@TempDir Path dir) throws Exception {
        Path mods = Files.createDirectories(dir.resolve("kernel/fs/xfs"));
        Path work = Files.createDirectories(dir.resolve("work"));
        Files.writeString(mods.resolve("xfs.ko"), "\u007fELF xfs body");
        Proc.check(mods, "xz", mods.resolve("xfs.ko").toString()); // leaves xfs.ko.xz only, as Debian 13 ships it
        assertThat(mods.resolve("xfs.ko")).doesNotExist();
        Path ko = ModuleFile.uncompressed(mods.resolve("xfs.ko"), work);
        assertThat(ko).isEqualTo(work.resolve("xfs.ko")).hasContent("\u007fELF xfs body");
        // named by its compressed file, as the search for an exporting module finds it (snd.ko.xz)
        Files.delete(ko);
        assertThat(ModuleFile.uncompressed(mods.resolve("xfs.ko.xz"), work)).isEqualTo(work.resolve("xfs.ko")).hasContent("\u007fELF xfs body");

        Files.writeString(mods.resolve("plain.ko"), "plain");
        assertThat(ModuleFile.uncompressed(mods.resolve("plain.ko"), work)).isEqualTo(mods.resolve("plain.ko"));
        assertThatThrownBy(() -> ModuleFile.uncompressed(mods.resolve("none.ko"), work))
                .hasMessageContaining("none.ko: no such module (nor .xz, .zst or .gz)");
    }
}
