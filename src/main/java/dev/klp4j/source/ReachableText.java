package dev.klp4j.source;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of a preprocessed file that can reach its object: the constructs the compiler emits
 * (functions other than static inlines, data, and anything whose role is unknown), and every
 * construct they name, closed over (the static inlines they call, the types and macros-turned-code
 * those use). A header's static inline that an includer never calls changes text in every includer
 * and code in none: {@link #fingerprint} leaves it out, so an edited macro named by such an inline
 * (netdevice.h's {@code LL_RESERVED_SPACE}, named by net/dst.h) compiles only the objects that use it.
 */
public final class ReachableText {
    private ReachableText() {}

    /**
     * SHA-256 of the reachable constructs' lines and of every preprocessor directive left in the
     * text ({@code #pragma pack} changes layouts), without line markers and blank lines (a shifted
     * line is not a change).
     */
    public static String fingerprint(Path i) {
        String text;
        try {
            text = Files.readString(i, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot read " + i + ": " + e.getMessage());
        }
        return fingerprint(text);
    }

    public static String fingerprint(String text) {
        List<String> lines = text.lines().toList();
        BitSet keep = reachableLines(CSource.constructs(text));
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (int k = 0; k < lines.size(); k++) {
                String line = lines.get(k);
                if (line.isBlank() || isLineMarker(line)) continue;
                if (!keep.get(k + 1) && !line.startsWith("#")) continue;
                md.update(line.getBytes(StandardCharsets.ISO_8859_1));
                md.update((byte) '\n');
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isLineMarker(String line) {
        return line.startsWith("# ") && line.length() > 2 && Character.isDigit(line.charAt(2));
    }

    /** The 1-based lines of the constructs reachable from what the compiler emits. */
    private static BitSet reachableLines(List<CSource.Construct> all) {
        Map<String, List<CSource.Construct>> declaring = new HashMap<>();
        List<CSource.Construct> roots = new ArrayList<>();
        for (CSource.Construct c : all) {
            for (String d : c.declares()) declaring.computeIfAbsent(d, k -> new ArrayList<>()).add(c);
            if (c.name() != null && !c.declares().contains(c.name())) declaring.computeIfAbsent(c.name(), k -> new ArrayList<>()).add(c);
            if (isRoot(c)) roots.add(c);
        }
        BitSet lines = new BitSet();
        java.util.Set<CSource.Construct> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        ArrayDeque<CSource.Construct> work = new ArrayDeque<>(roots);
        java.util.Set<String> followed = new java.util.HashSet<>();
        while (!work.isEmpty()) {
            CSource.Construct c = work.poll();
            if (!seen.add(c)) continue;
            lines.set(c.firstLine(), c.lastLine() + 1);
            for (String id : c.identifiers()) {
                if (!followed.add(id)) continue;
                for (CSource.Construct d : declaring.getOrDefault(id, List.of())) if (!seen.contains(d)) work.add(d);
            }
        }
        return lines;
    }

    /**
     * What the compiler emits, or may: functions other than static inlines, data, and a construct
     * that declares no name (a top-level asm, a static assertion): its role is not known, so it counts.
     */
    private static boolean isRoot(CSource.Construct c) {
        return c.emits() || c.declares().isEmpty() && c.kind() != CSource.Kind.TYPE;
    }
}
