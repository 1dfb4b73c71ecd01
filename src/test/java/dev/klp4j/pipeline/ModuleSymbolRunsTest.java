package dev.klp4j.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.klp.KernelSymbols;
import dev.klp4j.testing.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A static that two files of one composite module define (amdgpu's display files each have a
 * mcif_wb30_regs and a res_create_funcs), in a module that ld linked: the patched file's own
 * occurrence is told by the order of the original object's locals, read by {@link ObjectDiffer}.
 */
class ModuleSymbolRunsTest {
    @TempDir Path tmp;

    /** A display file: its functions, then the tables every such file defines under the same names. */
    private static String display(String prefix, int value) {
        StringBuilder s = new StringBuilder();
        s.append("static unsigned int regs[4];\n");
        s.append("static const unsigned int caps[2] = { ").append(value).append(", 2 };\n");
        for (int k = 0; k < 4; k++) {
            s.append("static __attribute__((noinline)) unsigned int ").append(prefix).append("_create_").append(k)
                    .append("(int i) { regs[i & 3] += ").append(k).append("; return regs[i & 3] + caps[i & 1]; }\n");
        }
        s.append("unsigned int ").append(prefix).append("_pool(int i) { return ");
        for (int k = 0; k < 4; k++) s.append(k == 0 ? "" : " + ").append(prefix).append("_create_").append(k).append("(i)");
        return s.append("; }\n").toString();
    }

    private Path compile(String name, String source) throws Exception {
        Path c = tmp.resolve(name + ".c"), o = tmp.resolve(name + ".o");
        Files.writeString(c, source);
        Proc.run(tmp, "gcc", "-c", "-O2", "-ffunction-sections", "-fdata-sections", "-fno-pic", "-mcmodel=kernel", "-o", o.toString(), c.toString())
                .orFail("gcc");
        return o;
    }

    @Test
    void theLinkedModulesRunOfTheFilesLocalsTellsItsOwnStatic() throws Exception {
        Path a = compile("dcn31", display("dcn31", 31));
        Path b = compile("dcn32", display("dcn32", 32));
        Path c = compile("dcn35", display("dcn35", 35));
        Path patched = compile("dcn32_patched", display("dcn32", 32).replace("+= 3;", "+= 4;"));
        Path module = tmp.resolve("display.ko");
        Proc.run(tmp, "ld", "-r", "-o", module.toString(), a.toString(), b.toString(), c.toString()).orFail("ld");
        KernelSymbols symbols = KernelSymbols.fromModule("display", ElfReader.read(module));
        assertThat(symbols.count("regs")).isEqualTo(3);

        ObjectDiffer.Outcome diff = new ObjectDiffer().diff(b, patched, DiffOptions.defaults().withObjectName("display"));
        assertThat(diff.result().changed()).containsExactly("dcn32_create_3");
        assertThat(diff.originalOrder().symtabLocals()).contains("regs", "caps", "dcn32_create_0").doesNotContain("dcn32_pool");
        // the neighbours' guess: every file's functions are near every table
        assertThatThrownBy(() -> symbols.sympos("regs", diff.originalDefinitions())).hasMessageContaining("do not tell");

        assertThat(symbols.sympos("regs", diff.originalDefinitions(), diff.originalOrder())).isEqualTo(2);
        assertThat(symbols.sympos("caps", diff.originalDefinitions(), diff.originalOrder())).isEqualTo(2);
        ObjectDiffer.Outcome last = new ObjectDiffer().diff(c, c, DiffOptions.defaults().withObjectName("display"));
        assertThat(symbols.sympos("regs", last.originalDefinitions(), last.originalOrder())).isEqualTo(3);
    }
}
