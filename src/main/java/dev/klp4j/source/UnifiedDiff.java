package dev.klp4j.source;

import java.util.ArrayList;
import java.util.List;

/** The files and hunks of a unified diff (as written by git diff or diff -u), paths stripped of one level like patch -p1. */
public record UnifiedDiff(List<FilePatch> files) {

    /** One file's part of the diff. {@code path} is the file in the tree (the new name, or the old one if deleted). */
    public record FilePatch(String path, boolean created, boolean deleted, List<String> hunkHeaders) {
        public boolean isC() { return path.endsWith(".c"); }
        public boolean isHeader() { return path.endsWith(".h"); }
    }

    public static UnifiedDiff parse(String text) {
        List<FilePatch> files = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].startsWith("--- ") || i + 1 >= lines.length || !lines[i + 1].startsWith("+++ ")) continue;
            String oldP = strip(lines[i].substring(4));
            String newP = strip(lines[i + 1].substring(4));
            boolean created = oldP == null, deleted = newP == null;
            List<String> hunks = new ArrayList<>();
            int j = i + 2;
            for (; j < lines.length && !(lines[j].startsWith("--- ") && j + 1 < lines.length && lines[j + 1].startsWith("+++ ")); j++) {
                if (lines[j].startsWith("@@")) hunks.add(lines[j]);
            }
            files.add(new FilePatch(deleted ? oldP : newP, created, deleted, hunks));
            i = j - 1;
        }
        return new UnifiedDiff(files);
    }

    /** Lines of a git diff's header that belong to the file whose "--- " line follows them. */
    private static final java.util.regex.Pattern GIT_HEADER = java.util.regex.Pattern.compile(
            "^(diff |index |new file mode|deleted file mode|old mode|new mode|similarity index|dissimilarity index|rename |copy ).*");

    /**
     * The part of the diff {@code text} that changes {@code paths} (as {@link FilePatch#path}), each
     * file's section whole, with the git header lines before it; in the text's order.
     */
    public static String only(String text, java.util.Collection<String> paths) {
        String[] lines = text.split("\n", -1);
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i + 1 < lines.length; i++) {
            if (!lines[i].startsWith("--- ") || !lines[i + 1].startsWith("+++ ")) continue;
            int s = i;
            while (s > 0 && GIT_HEADER.matcher(lines[s - 1]).matches() && (starts.isEmpty() || s - 1 > starts.get(starts.size() - 1) + 1)) s--;
            starts.add(s);
            i++;
        }
        StringBuilder out = new StringBuilder();
        for (int k = 0; k < starts.size(); k++) {
            int from = starts.get(k), to = k + 1 < starts.size() ? starts.get(k + 1) : lines.length;
            int head = from;
            while (!lines[head].startsWith("--- ")) head++;
            String oldP = strip(lines[head].substring(4)), newP = strip(lines[head + 1].substring(4));
            if (!paths.contains(newP == null ? oldP : newP)) continue;
            for (int l = from; l < to; l++) {
                if (l == lines.length - 1 && lines[l].isEmpty()) break; // the text's final newline
                out.append(lines[l]).append('\n');
            }
        }
        return out.toString();
    }

    /** Drops the timestamp and the first path component; null for /dev/null. */
    private static String strip(String p) {
        int tab = p.indexOf('\t');
        if (tab >= 0) p = p.substring(0, tab);
        p = p.strip();
        if (p.equals("/dev/null")) return null;
        int slash = p.indexOf('/');
        return slash >= 0 ? p.substring(slash + 1) : p;
    }
}
