package dev.klp4j.diff;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Entry sizes (bytes) of the kernel's special sections whose entries are kernel structs, by the
 * keys {@link SpecialTable} gives them. They depend on the kernel version that built the object;
 * the defaults are the x86_64 values of recent kernels.
 */
public final class StructSizes {
    /** The measured tables' sizes on recent x86_64 kernels, by key (see {@link SpecialTable}). */
    private static final Map<String, Integer> DEFAULTS;
    static {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (SpecialTable t : SpecialTable.measured()) m.put(t.size().key(), t.size().bytes());
        DEFAULTS = Collections.unmodifiableMap(m);
    }

    private final Map<String, Integer> sizes;

    private StructSizes(Map<String, Integer> sizes) {
        this.sizes = Collections.unmodifiableMap(sizes);
    }

    public static StructSizes defaults() {
        return new StructSizes(new LinkedHashMap<>(DEFAULTS));
    }

    /** The names that may be overridden. */
    public static java.util.Set<String> names() {
        return DEFAULTS.keySet();
    }

    /** A copy with one size replaced; rejects unknown names and non-positive sizes. */
    public StructSizes with(String name, int bytes) {
        if (!DEFAULTS.containsKey(name)) {
            throw new IllegalArgumentException("unknown struct size name '" + name + "' (known: " + String.join(", ", DEFAULTS.keySet()) + ")");
        }
        if (bytes <= 0 || bytes > 4096) throw new IllegalArgumentException("struct size " + name + "=" + bytes + " is out of range");
        Map<String, Integer> m = new LinkedHashMap<>(sizes);
        m.put(name, bytes);
        return new StructSizes(m);
    }

    /** Parses NAME=BYTES, as given to --struct-size. */
    public StructSizes with(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("expected NAME=BYTES, got '" + assignment + "'");
        String name = assignment.substring(0, eq).trim().toLowerCase(java.util.Locale.ROOT);
        int bytes;
        try {
            bytes = Integer.parseInt(assignment.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("struct size '" + assignment + "': BYTES is not a number");
        }
        return with(name, bytes);
    }

    /**
     * Applies a kpatch-style environment override such as {@code JUMP_STRUCT_SIZE=16}
     * (NAME_STRUCT_SIZE=BYTES, NAME in upper case).
     */
    public StructSizes withEnv(String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("expected NAME_STRUCT_SIZE=BYTES, got '" + assignment + "'");
        String key = assignment.substring(0, eq).trim();
        if (!key.endsWith("_STRUCT_SIZE")) throw new IllegalArgumentException("unknown override '" + key + "'");
        String name = key.substring(0, key.length() - "_STRUCT_SIZE".length()).toLowerCase(java.util.Locale.ROOT);
        return with(name + "=" + assignment.substring(eq + 1));
    }

    public int get(String name) {
        Integer v = sizes.get(name);
        if (v == null) throw new IllegalArgumentException("unknown struct size name " + name);
        return v;
    }

    public Map<String, Integer> asMap() {
        return sizes;
    }

    @Override
    public String toString() {
        return sizes.toString();
    }
}
