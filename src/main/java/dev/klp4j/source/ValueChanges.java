package dev.klp4j.source;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names whose value a header change edits: a macro ({@code #define KSMBD_START_FID 0} to
 * {@code 1}) or an enumerator with an explicit value ({@code RPROC_ATTACHED = 5} to {@code 4})
 * defined on lines the change removes and defined again, differently, on lines it adds. A fix
 * of a C file whose own lines name one is written for the new value: compiled against the
 * running kernel's header it keeps the old one (6.1.190's ksmbd fix changes a literal 0 into
 * KSMBD_START_FID, which its header changes from 0 to 1: alone it compiles to the same code).
 */
public final class ValueChanges {
    private static final Pattern DEFINE = Pattern.compile("^\\s*#\\s*define\\s+([A-Za-z_]\\w*)(.*)$");
    /** {@code NAME = value,} alone on its line (a statement ends in ';' and is not one). */
    private static final Pattern ENUMERATOR = Pattern.compile("^\\s*([A-Za-z_]\\w*)\\s*=\\s*([^,;=][^,;]*?)\\s*,?\\s*(?:/\\*.*\\*/|//.*)?$");

    private ValueChanges() {}

    /** The names {@code after} defines with another value than {@code before}, where both define them on changed lines. */
    public static Set<String> of(String before, String after) {
        List<String> a = before.lines().toList(), b = after.lines().toList();
        LineDiff diff = LineDiff.of(a, b);
        if (diff == null) return Set.of();
        Map<String, String> removed = definitions(a, diff.removed()), added = definitions(b, diff.added());
        Set<String> out = new TreeSet<>();
        for (Map.Entry<String, String> e : removed.entrySet()) {
            String now = added.get(e.getKey());
            if (now != null && !now.equals(e.getValue())) out.add(e.getKey());
        }
        return out;
    }

    /** Name -> definition (whitespace folded) of what the given lines (1-based) define or are part of. */
    private static Map<String, String> definitions(List<String> lines, List<Integer> changed) {
        Map<String, String> out = new TreeMap<>();
        Set<Integer> starts = new HashSet<>();
        for (int line : changed) {
            // A changed continuation line belongs to the #define it continues.
            int start = line - 1;
            while (start > 0 && lines.get(start - 1).endsWith("\\")) start--;
            starts.add(start);
        }
        for (int start : new ArrayList<>(new TreeSet<>(starts))) {
            StringBuilder logical = new StringBuilder(lines.get(start));
            for (int i = start; i + 1 < lines.size() && lines.get(i).endsWith("\\"); i++) {
                logical.setLength(logical.length() - 1);
                logical.append(' ').append(lines.get(i + 1));
            }
            String text = logical.toString();
            Matcher d = DEFINE.matcher(text);
            if (d.matches()) {
                out.put(d.group(1), fold(d.group(2)));
                continue;
            }
            Matcher e = ENUMERATOR.matcher(text);
            if (e.matches()) out.put(e.group(1), fold(e.group(2)));
        }
        return out;
    }

    /** The definition without comments, whitespace folded: a changed comment changes no value. */
    private static String fold(String s) {
        String code = s.replaceAll("/\\*.*?\\*/", " ").replaceAll("//.*$", " ").replaceAll("/\\*.*$", " ");
        return String.join(" ", code.strip().split("\\s+"));
    }
}
