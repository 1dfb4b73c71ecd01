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
