package dev.klp4j.diff;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code .klp4j.meta} section: what the module step needs to turn the patch object into a
 * livepatch module. See "Patch object format" in the README.
 */
record PatchMeta(String object, List<Function> functions, List<Reference> references, List<String> newData) {
    static final String SECTION = ".klp4j.meta";
    static final int FORMAT = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * A function the patch carries: "changed" (redirect the running one) or "new"; {@code global}
     * when the patched source defines it non-static (other objects of the patch may call it).
     */
    record Function(String name, String status, long oldSize, long newSize, int sympos, boolean global) {}

    /** An undefined symbol of the patch object, resolved against the running kernel. */
    record Reference(String name, String type, boolean wasLocal, int sympos) {}

    byte[] toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("object", object);
        m.put("functions", functions);
        m.put("references", references);
        m.put("newData", newData);
        try {
            return MAPPER.writeValueAsString(m).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode patch metadata", e);
        }
    }
}
