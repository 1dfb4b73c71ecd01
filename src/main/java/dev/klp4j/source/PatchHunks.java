package dev.klp4j.source;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A patch's changes cut by the constructs they fall in, for the review: each changed function,
 * variable, type or macro of each patched file is one {@link SourceHunk}, with the lines the patch
 * removes from it and adds to it. The texts are the files before and after the patch.
 */
public final class PatchHunks {
    private static final Pattern IGNORE_FUNCTION = Pattern.compile("\\bKPATCH_IGNORE_FUNCTION\\s*\\(\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)");

    private PatchHunks() {}

    /** The hunks of one file changed from {@code before} to {@code after}. */
    public static List<SourceHunk> of(String file, String before, String after) {
        return of(file, before, after, null);
    }

    /**
     * As {@link #of(String, String, String)}, without the changed lines {@code config} compiles out
     * (null: none): a struct changed under {@code #ifdef CONFIG_LOCKDEP}, on a kernel without
     * lockdep, changes no object and is no reason to refuse the patch.
     */
    public static List<SourceHunk> of(String file, String before, String after, ConfigConditions config) {
        List<String> a = before.lines().toList(), b = after.lines().toList();
        LineDiff diff = LineDiff.of(a, b);
        if (diff == null) {
            // Too large to align: one hunk for the whole file, so the review still sees it.
            return List.of(new SourceHunk(file, 1, SourceHunk.Scope.OTHER, null, file, a, b));
        }
        Map<String, Piece> pieces = new LinkedHashMap<>();
        place(file, a, CSource.constructs(before), ConfigConditions.compiled(config, before, diff.removed()), pieces, false);
        place(file, b, CSource.constructs(after), ConfigConditions.compiled(config, after, diff.added()), pieces, true);
        // A function the patch tells the differ to leave out (kpatch's KPATCH_IGNORE_FUNCTION) is not
        // part of the live patch: its hunks are not reviewed.
        java.util.Set<String> ignored = new java.util.HashSet<>();
        Matcher ignore = IGNORE_FUNCTION.matcher(after);
        while (ignore.find()) ignored.add(ignore.group(1));
        List<SourceHunk> out = new ArrayList<>();
        for (Piece p : pieces.values()) {
            if (p.removed.stream().allMatch(String::isBlank) && p.added.stream().allMatch(String::isBlank)) continue;
            if (p.scope == SourceHunk.Scope.FUNCTION && ignored.contains(p.name)) continue;
            out.add(new SourceHunk(file, p.line, p.scope, p.name, p.declaration, p.removed, p.added));
        }
        out.sort(java.util.Comparator.comparingInt(SourceHunk::line)); // in file order (a line of either side: near enough)
        return out;
    }

    /** The function definitions of a C file: name -> their text. */
    public static Map<String, String> functions(String text) {
        List<String> lines = text.lines().toList();
        Map<String, String> out = new LinkedHashMap<>();
        for (CSource.Construct c : CSource.constructs(text)) {
            if (c.kind() == CSource.Kind.FUNCTION && c.name() != null) out.putIfAbsent(c.name(), join(lines, c.firstLine(), c.lastLine()));
        }
        return out;
    }

    private static final class Piece {
        final int line;
        final SourceHunk.Scope scope;
        final String name, declaration;
        final List<String> removed = new ArrayList<>(), added = new ArrayList<>();

        Piece(int line, SourceHunk.Scope scope, String name, String declaration) {
            this.line = line;
            this.scope = scope;
            this.name = name;
            this.declaration = declaration;
        }
    }

    private static void place(String file, List<String> lines, List<CSource.Construct> constructs, List<Integer> changed,
                              Map<String, Piece> pieces, boolean addedSide) {
        int k = 0;
        for (int line : changed) {
            while (k < constructs.size() && constructs.get(k).lastLine() < line) k++;
            CSource.Construct c = k < constructs.size() && constructs.get(k).firstLine() <= line ? constructs.get(k) : null;
            SourceHunk.Scope scope;
            String name, declaration;
            int first;
            if (c != null) {
                scope = scopeOf(c);
                name = c.name() != null ? c.name() : c.declares().stream().findFirst().orElse(null);
                declaration = declaration(lines, c);
                first = c.firstLine();
            } else {
                String macro = HeaderChange.defineAt(lines, line);
                scope = macro != null ? SourceHunk.Scope.MACRO : SourceHunk.Scope.OTHER;
                name = macro;
                declaration = lines.get(line - 1).strip();
                first = line;
            }
            String key = scope + ":" + (name != null ? name : scope == SourceHunk.Scope.OTHER ? "" : "@" + first);
            Piece p = pieces.computeIfAbsent(key, x -> new Piece(first, scope, name, declaration));
            (addedSide ? p.added : p.removed).add(lines.get(line - 1));
        }
    }

    private static SourceHunk.Scope scopeOf(CSource.Construct c) {
        return switch (c.kind()) {
            case FUNCTION -> SourceHunk.Scope.FUNCTION;
            case DATA -> SourceHunk.Scope.DATA;
            case TYPE -> SourceHunk.Scope.TYPE;
            case DECLARATION -> SourceHunk.Scope.DECLARATION;
        };
    }

    /** The construct's text up to its body (or its first three lines). */
    private static String declaration(List<String> lines, CSource.Construct c) {
        StringBuilder b = new StringBuilder();
        for (int l = c.firstLine(); l <= c.lastLine() && l < c.firstLine() + 3; l++) {
            String s = lines.get(l - 1);
            int brace = s.indexOf('{');
            b.append(brace >= 0 ? s.substring(0, brace + 1) : s).append('\n');
            if (brace >= 0) break;
        }
        return b.toString().strip();
    }

    private static String join(List<String> lines, int first, int last) {
        return String.join("\n", lines.subList(first - 1, Math.min(last, lines.size())));
    }
}
