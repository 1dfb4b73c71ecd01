package dev.klp4j.review;

import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The typedefs an object's debug info declares at file scope, each resolved to the type it names
 * when that is a base type or a tagged struct, union or enum: {@code u8 -> unsigned char},
 * {@code S -> struct s}. Prototypes compare through it, so a fix that spells {@code unsigned char}
 * as {@code u8} (the tty layer's conversion, backported to 6.1) changes no interface.
 * A typedef of a pointer, array or function type stays as it is: rare in prototypes, and
 * spelling it out would take a C type printer.
 */
final class Typedefs {
    private static final Pattern DIE = Pattern.compile("^\\s*<(\\d+)><([0-9a-f]+)>: Abbrev Number: \\d+ \\((DW_TAG_\\w+)\\)");
    private static final Pattern NAME = Pattern.compile("^\\s*<[0-9a-f]+>\\s+DW_AT_name\\s*:\\s*(?:\\(.*?\\):\\s*)?(.+?)\\s*$");
    private static final Pattern TYPE = Pattern.compile("^\\s*<[0-9a-f]+>\\s+DW_AT_type\\s*:\\s*<0x([0-9a-f]+)>");
    /** A name in a prototype that is not a struct, union or enum tag. */
    private static final Pattern IDENTIFIER = Pattern.compile("(?<!struct |union |enum )\\b[A-Za-z_][A-Za-z0-9_]*\\b");

    private record Entry(String tag, String name, String type) {}

    private final Map<String, String> resolved;

    private Typedefs(Map<String, String> resolved) {
        this.resolved = resolved;
    }

    static Typedefs of(Path object, Toolchain tools) {
        // Depth 2 = the compile unit and its children: file-scope typedefs, not every local DIE.
        return parse(Dwarves.run(tools, object, "readelf", "--debug-dump=info", "--dwarf-depth=2"));
    }

    /** From readelf's --debug-dump=info text. */
    static Typedefs parse(String readelf) {
        Map<String, Entry> byOffset = new HashMap<>();
        String offset = null, tag = null, name = null, type = null;
        for (String line : (readelf + "\n <0><0>: Abbrev Number: 0 (DW_TAG_end)").split("\n")) {
            Matcher d = DIE.matcher(line);
            if (d.find()) {
                if (offset != null) byOffset.put(offset, new Entry(tag, name, type));
                offset = d.group(2);
                tag = d.group(3);
                name = type = null;
                continue;
            }
            if (offset == null) continue;
            Matcher n = NAME.matcher(line);
            if (n.find()) name = n.group(1);
            Matcher t = TYPE.matcher(line);
            if (t.find()) type = t.group(1);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Entry e : byOffset.values()) {
            if (!"DW_TAG_typedef".equals(e.tag()) || e.name() == null) continue;
            String r = resolve(e, byOffset, 0);
            if (r != null) out.putIfAbsent(e.name(), r);
        }
        return new Typedefs(out);
    }

    private static String resolve(Entry e, Map<String, Entry> byOffset, int depth) {
        if (e == null || depth > 16) return null;
        return switch (e.tag()) {
            case "DW_TAG_typedef" -> e.type() == null ? "void" : resolve(byOffset.get(e.type()), byOffset, depth + 1);
            case "DW_TAG_base_type" -> e.name();
            case "DW_TAG_structure_type" -> e.name() == null ? null : "struct " + e.name();
            case "DW_TAG_union_type" -> e.name() == null ? null : "union " + e.name();
            case "DW_TAG_enumeration_type" -> e.name() == null ? null : "enum " + e.name();
            default -> null;
        };
    }

    /** {@code prototype} with every typedef name this object resolves spelled as its type. */
    String expand(String prototype) {
        Matcher m = IDENTIFIER.matcher(prototype);
        StringBuilder out = new StringBuilder();
        while (m.find()) m.appendReplacement(out, Matcher.quoteReplacement(resolved.getOrDefault(m.group(), m.group())));
        m.appendTail(out);
        return out.toString();
    }
}
