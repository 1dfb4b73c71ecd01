package dev.klp4j.review;

import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The function prototypes an object's debug info describes, without parameter names, as pfunct (dwarves) prints them. */
final class Prototypes {
    private static final Pattern NAME = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*\\(");

    private Prototypes() {}

    /** Function name -> "int (struct file *, unsigned int)" (the return type, then the parameter types). */
    static Map<String, String> of(Path object, Toolchain tools) {
        return parse(Dwarves.run(tools, object, "pfunct", "-P", "--no_parm_names"));
    }

    static Map<String, String> parse(String pfunct) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : pfunct.split("\n")) {
            String l = line.strip();
            if (!l.endsWith(";")) continue;
            Matcher m = NAME.matcher(l);
            if (!m.find()) continue;
            String ret = l.substring(0, m.start()).replaceFirst("^inline\\s+", "").strip();
            String params = l.substring(m.end() - 1, l.length() - 1).replaceAll("\\s+", " ").replace(" *", "*");
            out.putIfAbsent(m.group(1), (ret.replaceAll("\\s+", " ").replace(" *", "*") + " " + params).strip());
        }
        return out;
    }
}
