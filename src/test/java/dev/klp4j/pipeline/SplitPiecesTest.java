package dev.klp4j.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import dev.klp4j.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A printk added on an unlikely branch makes gcc split the function: the real kernel/sys.c's umask
 * syscall gains {@code __x64_sys_umask.cold} (and its ia32 twin). That is one changed function
 * carrying its new piece, not a new function.
 */
@Tag("kernel")
class SplitPiecesTest {
    @Test
    void aNewColdPieceTravelsWithItsChangedFunction(@TempDir Path dir) throws Exception {
        Path patch = dir.resolve("umask-cold.patch");
        Files.writeString(patch, """
                --- a/kernel/sys.c
                +++ b/kernel/sys.c
                @@ -1907,6 +1907,8 @@
                 
                 SYSCALL_DEFINE1(umask, int, mask)
                 {
                +	if (mask & ~S_IRWXUGO)
                +		pr_info("umask: ignoring bits %o\\n", mask & ~S_IRWXUGO);
                 	mask = xchg(&current->fs->umask, mask & S_IRWXUGO);
                 	return mask;
                 }
                """);
        CliRun b = CliRun.of("build", patch.toString(), "-n", "klp4j_split", "-o", dir.resolve("out").toString(), "-j", "2");
        assertThat(b.exit()).as(b.out() + b.err()).isZero();
        assertThat(b.out()).contains("kernel/sys.o: changed=[__x64_sys_umask, __ia32_sys_umask] new=[]");
        ElfFile ko = ElfReader.read(dir.resolve("out/klp4j_split.ko"));
        assertThat(ko.symbols().stream().map(Symbol::name)).contains("__x64_sys_umask", "__x64_sys_umask.cold");
    }
}
