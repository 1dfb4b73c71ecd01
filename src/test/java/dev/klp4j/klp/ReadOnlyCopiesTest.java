package dev.klp4j.klp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Symbol;
import dev.klp4j.testing.Proc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A changed function that reads unchanged statics (amdgpu's dcn resource files: a mask table whose
 * name hundreds of files of the module share). Plain constants become the patch's own copies;
 * a table of pointers and writable data stay references.
 */
class ReadOnlyCopiesTest {
    @TempDir Path tmp;

    static final String SOURCE = """
            static const unsigned int dmcu_mask[4] = { 0x11, 0x22, 0x33, 0x44 };
            static const unsigned int *const dmcu_masks[2] = { &dmcu_mask[0], &dmcu_mask[2] };
            static unsigned int dmcu_state[4];
            extern unsigned int sum(const unsigned int *const *table, unsigned int *state);
            __attribute__((noinline)) unsigned int dmcu_read(int i) { return dmcu_mask[i & 3] + sum(dmcu_masks, dmcu_state) + 1; }
            """;

    private ElfFile compile(String name, String source) throws Exception {
        Path c = tmp.resolve(name + ".c"), o = tmp.resolve(name + ".o");
        Files.writeString(c, source);
        Proc.run(tmp, "gcc", "-c", "-O2", "-ffunction-sections", "-fdata-sections", "-pg", "-mfentry", "-fno-pic", "-mcmodel=kernel",
                "-o", o.toString(), c.toString()).orFail("gcc");
        return ElfReader.read(o);
    }

    @Test
    void plainConstantsAreCopiedIntoThePatchAndNothingElse() throws Exception {
        ElfFile orig = compile("orig", SOURCE);
        ElfFile patched = compile("patched", SOURCE.replace("+ 1;", "+ 2;"));
        DiffResult r = Differ.diff(orig, patched, DiffOptions.defaults().withObjectName("amdgpu"));
        assertThat(r.changed()).containsExactly("dmcu_read");
        PatchObject patch = r.patch();
        assertThat(patch.elf().symbol("dmcu_mask")).hasValueSatisfying(s -> assertThat(s.section()).as("referred to").isNull());

        List<String> copied = ReadOnlyCopies.copy(patch, patched, name -> true);

        assertThat(copied).containsExactly("dmcu_mask");
        Symbol mask = patch.elf().symbol("dmcu_mask").orElseThrow();
        assertThat(mask.section().name()).isEqualTo(".rodata.klp4j.dmcu_mask");
        assertThat(mask.section().data()).containsExactly(0x11, 0, 0, 0, 0x22, 0, 0, 0, 0x33, 0, 0, 0, 0x44, 0, 0, 0);
        assertThat(mask.isLocal()).isTrue();
        assertThat(patch.elf().symbol("dmcu_masks").orElseThrow().section()).as("pointers: relocated, not plain").isNull();
        assertThat(patch.elf().symbol("dmcu_state").orElseThrow().section()).as("writable").isNull();
        // nothing is copied that resolves plainly
        ElfFile again = compile("again", SOURCE.replace("+ 1;", "+ 3;"));
        PatchObject other = Differ.diff(orig, again, DiffOptions.defaults().withObjectName("amdgpu")).patch();
        assertThat(ReadOnlyCopies.copy(other, again, name -> false)).isEmpty();
    }
}
