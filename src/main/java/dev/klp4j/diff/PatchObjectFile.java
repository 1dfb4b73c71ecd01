package dev.klp4j.diff;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfWriter;
import dev.klp4j.elf.Section;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The on-disk form of a {@link PatchObject} ({@code klp4j diff -o OUT.o}): its ELF with the
 * metadata as UTF-8 JSON in a last, non-alloc section {@code .klp4j.meta}. The build keeps patch
 * objects in memory; this is their only codec. See "Patch object format" in the README.
 */
public final class PatchObjectFile {
    public static final String SECTION = ".klp4j.meta";
    static final int FORMAT = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private PatchObjectFile() {}

    /** Writes {@code patch} to {@code path} as one ELF object. */
    public static void write(PatchObject patch, Path path) throws IOException {
        ElfWriter.write(elf(patch), path);
    }

    /** The ELF as written: a new file sharing the patch object's sections and symbols, which stay unchanged. */
    public static ElfFile elf(PatchObject patch) {
        ElfFile in = patch.elf();
        List<Section> sections = new ArrayList<>(in.sections());
        sections.add(new Section(SECTION, Elf.SHT_PROGBITS, 0, 1, 0, json(patch.meta())));
        return new ElfFile(in.header(), sections, in.symbols());
    }

    /** The {@code .klp4j.meta} JSON of {@code meta}. */
    public static byte[] json(PatchMeta meta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("object", meta.object());
        m.put("functions", meta.functions().stream().map(PatchObjectFile::function).toList());
        m.put("references", meta.references().stream().map(PatchObjectFile::reference).toList());
        m.put("newData", meta.newData());
        m.put("tables", meta.tables());
        try {
            return MAPPER.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode patch metadata", e);
        }
    }

    private static Map<String, Object> function(PatchMeta.Function f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", f.name());
        m.put("status", f.status().name().toLowerCase(Locale.ROOT));
        m.put("oldSize", f.oldSize());
        m.put("newSize", f.newSize());
        m.put("sympos", f.originalSympos());
        m.put("global", f.global());
        return m;
    }

    private static Map<String, Object> reference(PatchMeta.Reference r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("type", typeName(r.symbolType()));
        m.put("wasLocal", r.wasLocal());
        m.put("sympos", r.originalSympos());
        return m;
    }

    private static String typeName(int type) {
        return switch (type) {
            case Elf.STT_FUNC -> "FUNC";
            case Elf.STT_OBJECT -> "OBJECT";
            case Elf.STT_TLS -> "TLS";
            default -> "NOTYPE";
        };
    }
}
