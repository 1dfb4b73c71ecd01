package dev.klp4j.klp;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Section;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The differ's record in OUT.o's non-alloc section {@code .klp4j.meta} (UTF-8 JSON): the functions
 * the patch replaces or adds and the symbols OUT refers to but does not define.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record PatchMeta(int format, String object, List<Function> functions, List<Reference> references) {
    public static final String SECTION = ".klp4j.meta";

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Function(String name, String status, long oldSize, long newSize, int sympos, boolean global) {
        @com.fasterxml.jackson.annotation.JsonCreator
        public Function {}

        public Function(String name, String status, long oldSize, long newSize, int sympos) {
            this(name, status, oldSize, newSize, sympos, false);
        }

        public boolean isChanged() { return "changed".equals(status); }
        public boolean isNew() { return "new".equals(status); }
    }

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Reference(String name, String type, boolean wasLocal, int sympos) {}

    public PatchMeta {
        functions = functions == null ? List.of() : List.copyOf(functions);
        references = references == null ? List.of() : List.copyOf(references);
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    public static PatchMeta parse(byte[] json) {
        try {
            PatchMeta m = MAPPER.readValue(json, PatchMeta.class);
            if (m.format() != 1) throw new KlpException(SECTION + ": format " + m.format() + " is not supported (expected 1)");
            return m;
        } catch (IOException e) {
            throw new KlpException(SECTION + ": not valid JSON: " + e.getMessage());
        }
    }

    public static PatchMeta of(ElfFile out) {
        Optional<Section> s = out.section(SECTION);
        if (s.isEmpty()) throw new KlpException("the differ's output has no " + SECTION + " section");
        return parse(s.get().data());
    }

    public byte[] toJson() {
        try {
            return MAPPER.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public Map<String, Reference> referencesByName() {
        Map<String, Reference> m = new java.util.HashMap<>();
        for (Reference r : references) m.putIfAbsent(r.name(), r);
        return m;
    }
}
