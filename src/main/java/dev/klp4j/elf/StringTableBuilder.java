package dev.klp4j.elf;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds a string table. It can start from the table an object was read with, so names that are
 * still there keep their offsets and an unchanged object is written back with the same table;
 * new names are appended once each.
 */
final class StringTableBuilder {
    private final byte[] seed;
    private final ByteArrayOutputStream appended = new ByteArrayOutputStream();
    private final Map<String, Integer> added = new HashMap<>();

    StringTableBuilder(byte[] seed) {
        this.seed = seed != null && seed.length > 0 && seed[0] == 0 ? seed : new byte[] {0};
    }

    /** Returns the offset of {@code name}, reusing {@code hint} when the seed holds it there. */
    int add(String name, int hint) {
        if (name.isEmpty()) return 0;
        byte[] b = name.getBytes(StandardCharsets.ISO_8859_1);
        if (hint > 0 && matchesSeed(b, hint)) return hint;
        Integer off = added.get(name);
        if (off != null) return off;
        int o = seed.length + appended.size();
        appended.writeBytes(b);
        appended.write(0);
        added.put(name, o);
        return o;
    }

    private boolean matchesSeed(byte[] b, int at) {
        if (at + b.length >= seed.length || seed[at + b.length] != 0) return false;
        for (int i = 0; i < b.length; i++) if (seed[at + i] != b[i]) return false;
        return true;
    }

    byte[] toBytes() {
        if (appended.size() == 0) return seed;
        byte[] out = new byte[seed.length + appended.size()];
        System.arraycopy(seed, 0, out, 0, seed.length);
        System.arraycopy(appended.toByteArray(), 0, out, seed.length, appended.size());
        return out;
    }
}
