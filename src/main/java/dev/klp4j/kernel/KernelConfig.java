package dev.klp4j.kernel;

import dev.klp4j.base.Failure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/** A kernel's build config (/boot/config-RELEASE): which CONFIG_ symbols it builds in (=y) or as modules (=m). */
public final class KernelConfig {
    private final Map<String, Character> values;

    private KernelConfig(Map<String, Character> values) {
        this.values = Map.copyOf(values);
    }

    /** The config in {@code file}; empty when there is none. */
    public static Optional<KernelConfig> read(Path file) {
        if (file == null || !Files.isRegularFile(file)) return Optional.empty();
        Map<String, Character> values = new HashMap<>();
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.ISO_8859_1)) {
                if (line.startsWith("CONFIG_") && (line.endsWith("=y") || line.endsWith("=m"))) {
                    values.put(line.substring(0, line.length() - 2), line.charAt(line.length() - 1));
                }
            }
        } catch (IOException e) {
            throw new Failure(file + ": cannot read: " + e.getMessage());
        }
        return Optional.of(new KernelConfig(values));
    }

    /** Whether {@code symbol} (CONFIG_X) is built in. */
    public boolean builtIn(String symbol) {
        return values.getOrDefault(symbol, ' ') == 'y';
    }

    /** Whether {@code symbol} is built in or as a module. */
    public boolean sets(String symbol) {
        return values.containsKey(symbol);
    }
}
