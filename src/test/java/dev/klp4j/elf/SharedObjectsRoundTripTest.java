package dev.klp4j.elf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.Proc;
import dev.klp4j.testing.Readelf;
import dev.klp4j.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every real kernel object in the shared corpus is read and written back unchanged. */
class SharedObjectsRoundTripTest {
    @TempDir Path tmp;

    static List<Path> objects() {
        return SharedData.allObjects();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("objects")
    void roundTripsThroughTheModel(Path in) throws Exception {
        Path out = tmp.resolve("out.o");
        ElfWriter.write(ElfReader.read(in), out);

        assertThat(Readelf.sectionsSymbolsRelocations(out)).isEqualTo(Readelf.sectionsSymbolsRelocations(in));
        assertThat(Readelf.warnings(out)).isEmpty();
        Proc.Result ld = Proc.run("ld", "-r", "-o", tmp.resolve("linked.o").toString(), out.toString());
        assertThat(ld.exit()).as("ld -r: %s", ld.err()).isZero();

        // Writing what was read back is a fixed point: the layout is deterministic.
        byte[] again = ElfWriter.toBytes(ElfReader.read(out));
        assertThat(again).isEqualTo(Files.readAllBytes(out));
    }
}
