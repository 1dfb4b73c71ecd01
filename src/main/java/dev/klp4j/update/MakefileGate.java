package dev.klp4j.update;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The config symbol a directory's kbuild Makefile builds an object under: {@code obj-$(CONFIG_X)
 * += name.o}, or, for a part of a composite object ({@code comp-y += name.o}), the symbol that
 * builds the composite. Read from the Makefile alone, for a source file an update adds or removes,
 * which the running kernel's tree cannot be asked about: 6.12.118 renames
 * qcom_pmi8998_charger.c to qcom_smbx.c under CONFIG_CHARGER_QCOM_SMB2, an arm64 driver.
 */
final class MakefileGate {
    private static final Pattern OBJ = Pattern.compile("^obj-\\$\\((CONFIG_\\w+)\\)\\s*[:+]?=(.*)$");
    private static final Pattern PART = Pattern.compile("^([\\w-]+)-(?:y|objs)\\s*[:+]?=(.*)$");

    private MakefileGate() {}

    /**
     * Why {@code source} (a .c or .S path) is not built under {@code configSets}, or null when its
     * Makefile builds it unconditionally, under a set symbol, or in a way this reading does not know.
     */
    static String unbuilt(Path makefile, String source, Predicate<String> configSets) {
        if (makefile == null) return null;
        String name = source.substring(source.lastIndexOf('/') + 1).replaceFirst("\\.[cS]$", ".o");
        List<String> lines = logicalLines(makefile);
        String symbol = symbolOf(lines, name);
        if (symbol == null) {
            // A part of a composite object: the composite's own gate.
            for (String l : lines) {
                Matcher m = PART.matcher(l);
                if (m.matches() && words(m.group(2)).contains(name)) {
                    symbol = symbolOf(lines, m.group(1) + ".o");
                    break;
                }
            }
        }
        if (symbol == null || configSets.test(symbol)) return null;
        return "its Makefile builds it only with " + symbol + ", which this kernel's config does not set";
    }

    /** The symbol of the one obj-$(CONFIG_...) line that names {@code object}, or null (none, several, or obj-y). */
    private static String symbolOf(List<String> lines, String object) {
        String found = null;
        for (String l : lines) {
            Matcher m = OBJ.matcher(l);
            if (m.matches() && words(m.group(2)).contains(object)) {
                if (found != null && !found.equals(m.group(1))) return null;
                found = m.group(1);
            }
        }
        return found;
    }

    private static List<String> words(String value) {
        return List.of(value.trim().split("\\s+"));
    }

    /** The Makefile's lines with continuations joined and comments dropped. */
    private static List<String> logicalLines(Path makefile) {
        List<String> out = new ArrayList<>();
        try {
            StringBuilder cur = new StringBuilder();
            for (String raw : Files.readAllLines(makefile, StandardCharsets.ISO_8859_1)) {
                String l = raw.replaceFirst("#.*$", "");
                if (l.endsWith("\\")) {
                    cur.append(l, 0, l.length() - 1).append(' ');
                    continue;
                }
                out.add(cur.append(l).toString().trim());
                cur.setLength(0);
            }
            if (!cur.isEmpty()) out.add(cur.toString().trim());
        } catch (IOException e) {
            return List.of(); // unreadable: nothing known, the file keeps its class
        }
        return out;
    }
}
