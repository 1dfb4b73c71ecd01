package dev.klp4j.diff;

import dev.klp4j.base.CacheRoot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.debian.BuildRoot;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import dev.klp4j.debian.DebianSuite;
import dev.klp4j.base.Toolchain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differ on objects as Debian 13's kernel compiles them: gcc 14 (in a trixie build root) with
 * IBT ({@code endbr64} before {@code call __fentry__}) and call padding (16 bytes before each
 * function, recorded in {@code __patchable_function_entries}).
 */
@Tag("kernel")
class Gcc14IbtTest {
    @TempDir Path tmp;

    static final List<String> FLAGS_6_12 = List.of("-fcf-protection=branch", "-fpatchable-function-entry=16,16",
            "-falign-functions=16", "-mfunction-return=thunk-extern", "-mindirect-branch=thunk-extern");

    private ElfFile compile(Toolchain gcc14, String name, String source) throws Exception {
        Path c = tmp.resolve(name + ".c"), o = tmp.resolve(name + ".o");
        Files.writeString(c, source, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of("gcc"));
        cmd.addAll(Gcc.FLAGS);
        cmd.addAll(FLAGS_6_12);
        cmd.addAll(List.of("-o", o.toString(), c.toString()));
        Toolchain.Result r = gcc14.run(tmp, cmd, Map.of(), new byte[0]);
        assertThat(r.ok()).as(r.output()).isTrue();
        return ElfReader.read(o);
    }

    @Test
    void aChangedFunctionKeepsItsPaddingEndbrAndFentryCall() throws Exception {
        Path cache = CacheRoot.path();
        Path root = new BuildRoot(cache, DebianSuite.TRIXIE).ensure(m -> { });
        Path t = tmp.toAbsolutePath();
        Toolchain gcc14 = Toolchain.inRoot(root, List.of(new Toolchain.Mount(t, t)));
        assertThat(gcc14.run(null, List.of("gcc", "--version"), Map.of(), new byte[0]).output()).startsWith("gcc (Debian 14.");

        String orig = """
                extern int sink(int);
                static __attribute__((noinline)) int helper(int x) { return sink(x) * 3; }
                int foo(int x) { return helper(x) + 1; }
                int bar(int x) { return sink(x) * 2; }
                """;
        DiffResult r = Differ.diff(compile(gcc14, "orig", orig), compile(gcc14, "patched", orig.replace("+ 1", "+ 7")),
                DiffOptions.defaults());
        assertThat(r.outcome()).isEqualTo(DiffResult.Outcome.PATCH);
        assertThat(r.changed()).containsExactly("foo");
        ElfFile out = r.patch().elf();

        Symbol foo = out.symbols().stream().filter(s -> s.name().equals("foo") && s.section() != null).findFirst().orElseThrow();
        assertThat(foo.value()).as("the function starts after its 16 bytes of call padding").isEqualTo(16);
        byte[] text = foo.section().data();
        assertThat(java.util.Arrays.copyOfRange(text, 0, 16)).as("padding is NOPs").containsOnly((byte) 0x90);
        assertThat(java.util.Arrays.copyOfRange(text, 16, 20)).as("endbr64").containsExactly(0xf3, 0x0f, 0x1e, 0xfa);
        assertThat(text[20] & 0xff).as("call __fentry__ after endbr64").isEqualTo(0xe8);

        // __mcount_loc names the call, __patchable_function_entries the padding, of kept functions only.
        assertThat(targets(out, "__mcount_loc")).containsExactly("foo+20");
        assertThat(targets(out, "__patchable_function_entries")).containsExactly("foo+0");
    }

    /** Where each relocation of the table {@code name} points: "function+offset in its section". */
    private static List<String> targets(ElfFile f, String name) {
        List<String> out = new ArrayList<>();
        for (RelocationSection rs : f.relocationSections()) {
            if (rs.target() == null || !rs.target().name().equals(name)) continue;
            for (Relocation rel : rs.relocations()) {
                Section s = rel.symbol().section();
                String fn = f.symbols().stream().filter(x -> x.section() == s && x.isFunction()).map(Symbol::name).findFirst()
                        .orElse(rel.symbol().name());
                out.add(fn + "+" + (rel.symbol().value() + rel.addend()));
            }
        }
        return out;
    }
}
