package dev.klp4j.kbuild;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Section;
import dev.klp4j.source.AuthorHeaders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * x86's runtime constants (6.11+) are compiled as plain reads: klp4j's header is forced into every
 * compile of a kernel that has {@code asm/runtime-const.h}, and takes that header's place, so no
 * boot-time placeholder ends up in a patch's copy of the code.
 */
class RuntimeConstantsTest {
    @TempDir Path tmp;

    /** The kernel's header as 6.12 has it, cut to the pointer case (same include guard). */
    private static final String KERNEL_HEADER = """
            #ifndef _ASM_RUNTIME_CONST_H
            #define _ASM_RUNTIME_CONST_H
            #define runtime_const_ptr(sym) ({ typeof(sym) __ret; \\
                    asm("mov %1,%0\\n1:\\n.pushsection runtime_ptr_" #sym ",\\"a\\"\\n\\t.long 1b - %c2 - .\\n.popsection" \\
                        : "=r" (__ret) : "i" ((unsigned long)0x0123456789abcdefull), "i" (sizeof(long))); __ret; })
            #endif
            """;

    private static final String USER = """
            typedef unsigned int u32;
            #include <asm/runtime-const.h>
            static int *dentry_hashtable;
            static unsigned int d_hash_shift;
            int lookup(unsigned int h) { return runtime_const_ptr(dentry_hashtable)[runtime_const_shift_right_32(h, d_hash_shift)]; }
            int *table(void) { return dentry_hashtable; }
            """;

    @Test
    void aKernelWithRuntimeConstantsGetsTheHeaderForcedInAndNoOtherDoes() throws Exception {
        Path include = AuthorHeaders.writeTo(tmp.resolve("include"));
        Path old = Files.createDirectories(tmp.resolve("6.1"));
        assertThat(new ObjectCompiler(old, 1, include, o -> o).flags()).doesNotContain("-include");

        Path tree = tmp.resolve("6.12");
        Files.createDirectories(tree.resolve("arch/x86/include/asm"));
        Files.writeString(tree.resolve("arch/x86/include/asm/runtime-const.h"), KERNEL_HEADER);
        assertThat(new ObjectCompiler(tree, 1, include, o -> o).flags())
                .endsWith(" -include " + include.resolve(AuthorHeaders.RUNTIME_CONSTANTS).toAbsolutePath());
    }

    @Test
    void theForcedHeaderTakesTheKernelHeadersPlaceSoNoSiteIsLeftToPatchAtBoot() throws Exception {
        Path include = AuthorHeaders.writeTo(tmp.resolve("include"));
        Path tree = tmp.resolve("tree");
        Files.createDirectories(tree.resolve("arch/x86/include/asm"));
        Files.writeString(tree.resolve("arch/x86/include/asm/runtime-const.h"), KERNEL_HEADER);
        Files.writeString(tree.resolve("user.c"), USER);

        assertThat(sections(compile(tree, List.of()))).as("the kernel's own build: a site list for the boot-time rewrite")
                .contains("runtime_ptr_dentry_hashtable");
        String flags = new ObjectCompiler(tree, 1, include, o -> o).flags();
        List<String> forced = List.of(flags.substring(flags.indexOf("-include")).split(" "));
        assertThat(sections(compile(tree, forced))).as("klp4j's build: plain reads").noneMatch(s -> s.startsWith("runtime_"));
    }

    private Path compile(Path tree, List<String> extra) throws Exception {
        Path out = tmp.resolve("user" + extra.size() + ".o");
        List<String> cmd = new ArrayList<>(List.of("gcc", "-O2", "-c", "-ffunction-sections", "-fdata-sections"));
        // lookup() uses runtime_const_shift_right_32, which only klp4j's header defines: without
        // it the kernel's header must at least compile the pointer case
        if (extra.isEmpty()) cmd.add("-Druntime_const_shift_right_32(v,s)=((v)>>12)");
        cmd.addAll(extra);
        cmd.addAll(List.of("-I", tree.resolve("arch/x86/include").toString(), "-o", out.toString(), tree.resolve("user.c").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor()).as(log).isZero();
        return out;
    }

    private static List<String> sections(Path object) throws Exception {
        ElfFile f = ElfReader.read(object);
        return f.sections().stream().map(Section::name).toList();
    }
}
