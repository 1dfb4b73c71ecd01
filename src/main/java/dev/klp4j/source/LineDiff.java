package dev.klp4j.source;

import java.util.ArrayList;
import java.util.List;

/**
 * The lines one text removes and the other adds (1-based, each on its own side): the common
 * prefix and suffix are skipped, the middle is aligned by its longest common subsequence.
 *
 * @param removed lines of the first text that the second does not keep
 * @param added   lines of the second text that the first did not have
 */
public record LineDiff(List<Integer> removed, List<Integer> added) {
    /** Beyond this many changed middle lines the alignment is not attempted (quadratic memory). */
    static final int MAX_MIDDLE = 4000;

    /** The diff of {@code a} to {@code b}, or null when the middle is larger than {@link #MAX_MIDDLE} lines. */
    static LineDiff of(List<String> a, List<String> b) {
        int pre = 0;
        while (pre < a.size() && pre < b.size() && a.get(pre).equals(b.get(pre))) pre++;
        int suf = 0;
        while (suf < a.size() - pre && suf < b.size() - pre && a.get(a.size() - 1 - suf).equals(b.get(b.size() - 1 - suf))) suf++;
        int n = a.size() - pre - suf, m = b.size() - pre - suf;
        if (n > MAX_MIDDLE || m > MAX_MIDDLE) return null;
        int[][] lcs = new int[n + 1][m + 1];
        for (int i = n - 1; i >= 0; i--) {
            for (int j = m - 1; j >= 0; j--) {
                lcs[i][j] = a.get(pre + i).equals(b.get(pre + j)) ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
            }
        }
        List<Integer> removed = new ArrayList<>(), added = new ArrayList<>();
        int i = 0, j = 0;
        while (i < n || j < m) {
            if (i < n && j < m && a.get(pre + i).equals(b.get(pre + j))) { i++; j++; }
            else if (j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j])) added.add(pre + j++ + 1);
            else removed.add(pre + i++ + 1);
        }
        return new LineDiff(removed, added);
    }
}
