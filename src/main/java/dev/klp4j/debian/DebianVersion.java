package dev.klp4j.debian;

import java.util.Comparator;

/**
 * Debian's order of package versions ([epoch:]upstream[-revision]), as dpkg compares them: epochs as
 * numbers, then upstream and revision each as alternating runs of non-digits (letters before other
 * characters, '~' before everything, even the end) and digits (as numbers). klp4j update needs it to
 * pick the newest source of a series and the changelog entries between two versions.
 */
public final class DebianVersion {
    /** Orders version strings oldest first. */
    public static final Comparator<String> ORDER = DebianVersion::compare;

    private DebianVersion() {}

    public static int compare(String a, String b) {
        int c = Long.compare(epoch(a), epoch(b));
        if (c != 0) return c;
        String ra = withoutEpoch(a), rb = withoutEpoch(b);
        int da = ra.lastIndexOf('-'), db = rb.lastIndexOf('-');
        c = part(da < 0 ? ra : ra.substring(0, da), db < 0 ? rb : rb.substring(0, db));
        if (c != 0) return c;
        return part(da < 0 ? "" : ra.substring(da + 1), db < 0 ? "" : rb.substring(db + 1));
    }

    private static long epoch(String v) {
        int i = v.indexOf(':');
        return i < 0 ? 0 : Long.parseLong(v.substring(0, i));
    }

    private static String withoutEpoch(String v) {
        int i = v.indexOf(':');
        return i < 0 ? v : v.substring(i + 1);
    }

    private static int part(String a, String b) {
        int i = 0, j = 0;
        while (i < a.length() || j < b.length()) {
            // a run of non-digits, compared character by character in dpkg's order
            while ((i < a.length() && !Character.isDigit(a.charAt(i))) || (j < b.length() && !Character.isDigit(b.charAt(j)))) {
                int ca = i < a.length() && !Character.isDigit(a.charAt(i)) ? weight(a.charAt(i)) : 0;
                int cb = j < b.length() && !Character.isDigit(b.charAt(j)) ? weight(b.charAt(j)) : 0;
                if (ca != cb) return Integer.compare(ca, cb);
                i++;
                j++;
            }
            // a run of digits, compared as a number
            int si = i, sj = j;
            while (i < a.length() && Character.isDigit(a.charAt(i))) i++;
            while (j < b.length() && Character.isDigit(b.charAt(j))) j++;
            int c = new java.math.BigInteger(si == i ? "0" : a.substring(si, i)).compareTo(new java.math.BigInteger(sj == j ? "0" : b.substring(sj, j)));
            if (c != 0) return c;
        }
        return 0;
    }

    /** '~' sorts before the end of the string (0), letters before everything else. */
    private static int weight(char c) {
        if (c == '~') return -1;
        if (Character.isLetter(c)) return c;
        return c + 256;
    }
}
