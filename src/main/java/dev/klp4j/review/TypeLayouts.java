package dev.klp4j.review;

import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The struct and union layouts an object's debug info describes, as pahole (dwarves) prints them:
 * per type, its size and its members with their offsets, sizes and types. Kernel objects are built
 * with debug info (CONFIG_DEBUG_INFO), so the compiled objects carry the ground truth.
 */
final class TypeLayouts {
    /** One member: its declaration as pahole prints it ("struct list_head * next"), its offset and size in bytes. */
    record Member(String name, String declaration, String offset, String size) {}

    /**
     * One type: "struct foo", its size, and its members in order (those of nested anonymous
     * structs and unions included, at their own offsets).
     */
    record Layout(String type, long size, List<Member> members) {
        /** Two layouts are the same when sizes, members, their declarations and offsets are. */
        boolean sameAs(Layout other) {
            return size == other.size && members.equals(other.members);
        }
    }

    private static final Pattern START = Pattern.compile("^(struct|union) ([A-Za-z_][A-Za-z0-9_]*) \\{$");
    private static final Pattern MEMBER = Pattern.compile("^\\s+(.*?);\\s*/\\*\\s*([0-9:]+(?:\\s*[0-9:]+)?)\\s+([0-9]+)\\s*\\*/\\s*$");
    private static final Pattern SIZE = Pattern.compile("/\\* size: ([0-9]+),");
    private static final Pattern POINTER_NAME = Pattern.compile("\\(\\s*\\*\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)");
    private static final Pattern LAST_NAME = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)\\s*(?:\\[[^\\]]*\\]\\s*)*(?::\\s*[0-9]+\\s*)?$");

    private TypeLayouts() {}

    /** The layouts of {@code object}'s named structs and unions, by "struct NAME" (the first, if a name repeats). */
    static Map<String, Layout> of(Path object, Toolchain tools) {
        return parse(Dwarves.run(tools, object, "pahole", "-F", "dwarf"));
    }

    /** Parses pahole's output. */
    static Map<String, Layout> parse(String pahole) {
        Map<String, Layout> out = new LinkedHashMap<>();
        String type = null;
        long size = -1;
        List<Member> members = null;
        for (String line : pahole.split("\n")) {
            Matcher start = START.matcher(line);
            if (type == null) {
                if (start.matches()) {
                    type = start.group(1) + " " + start.group(2);
                    size = -1;
                    members = new ArrayList<>();
                }
                continue;
            }
            if (line.startsWith("}")) {
                out.putIfAbsent(type, new Layout(type, size, List.copyOf(members)));
                type = null;
                continue;
            }
            Matcher s = SIZE.matcher(line);
            if (s.find() && line.strip().startsWith("/* size:") && line.startsWith("\t/*")) {
                size = Long.parseLong(s.group(1));
                continue;
            }
            Matcher m = MEMBER.matcher(line);
            if (m.matches()) {
                String decl = m.group(1).strip().replaceAll("\\s+", " ");
                members.add(new Member(nameOf(decl), decl, m.group(2).replaceAll("\\s+", " "), m.group(3)));
            }
        }
        return out;
    }

    private static String nameOf(String declaration) {
        Matcher p = POINTER_NAME.matcher(declaration);
        if (p.find()) return p.group(1);
        if (declaration.endsWith("}")) return "(anonymous)";
        Matcher m = LAST_NAME.matcher(declaration);
        return m.find() ? m.group(1) : declaration;
    }

    /**
     * Whether {@code after} only adds members where {@code before} had padding: the same size,
     * every old member where it was. Nothing moves, but objects made before never set the new ones.
     */
    static boolean onlyFillsPadding(Layout before, Layout after) {
        if (before.size() != after.size() || after.members().size() <= before.members().size()) return false;
        return after.members().containsAll(before.members());
    }

    /**
     * What differs from {@code before} to {@code after}, in words ("size 16 -> 24; new member x at 16").
     * Members of one name pair in the order they appear: a struct may hold several anonymous
     * unions (bpf_func_proto has several), each only the same as the one at its own place.
     */
    static String describe(Layout before, Layout after) {
        List<String> out = new ArrayList<>();
        if (before.size() != after.size()) out.add("size " + before.size() + " -> " + after.size());
        Map<String, Member> old = byOccurrence(before), now = byOccurrence(after);
        for (Map.Entry<String, Member> e : now.entrySet()) {
            Member m = e.getValue(), o = old.get(e.getKey());
            if (o == null) out.add("new member " + m.name() + " at " + m.offset());
            else if (!o.declaration().equals(m.declaration())) out.add(m.name() + " is now '" + m.declaration() + "' (was '" + o.declaration() + "')");
            else if (!o.offset().equals(m.offset())) out.add(m.name() + " moved " + o.offset() + " -> " + m.offset());
        }
        for (Map.Entry<String, Member> e : old.entrySet()) if (!now.containsKey(e.getKey())) out.add("member " + e.getValue().name() + " removed");
        return out.isEmpty() ? "member order changed" : String.join("; ", out);
    }

    /** A layout's members by name and occurrence ("x#1", the second anonymous union "(anonymous)#2"), in order. */
    private static Map<String, Member> byOccurrence(Layout layout) {
        Map<String, Member> out = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (Member m : layout.members()) out.put(m.name() + "#" + seen.merge(m.name(), 1, Integer::sum), m);
        return out;
    }
}
