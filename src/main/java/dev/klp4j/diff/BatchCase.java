package dev.klp4j.diff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One row of a batch file laid out like kpatch-unit-objs' {@code expected.tsv}:
 * case, orig, patched, env, expected exit, changed functions, new functions, local function count.
 * The expected exit is the file's number for what {@code klp4j diff} exits with (0, 2 or 3).
 * Only the first four columns are needed to run a diff; the rest are expectations.
 */
public record BatchCase(String name, Path orig, Path patched, String env, Integer expectedExit,
                        List<String> expectedChanged, List<String> expectedNew, Integer expectedLocalFuncs) {

    /** Reads a batch file; object paths are resolved against the file's directory. */
    public static List<BatchCase> read(Path tsv) throws IOException {
        Path dir = tsv.toAbsolutePath().getParent();
        List<BatchCase> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(tsv)) {
            lineNo++;
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            if (f.length < 3) throw new IOException(tsv + ":" + lineNo + ": expected at least 3 tab-separated columns (case, orig, patched)");
            try {
                out.add(new BatchCase(f[0], dir.resolve(f[1]), dir.resolve(f[2]), f.length > 3 ? f[3] : "-",
                        f.length > 4 ? intOrNull(f[4]) : null, f.length > 5 ? list(f[5]) : null,
                        f.length > 6 ? list(f[6]) : null, f.length > 7 ? intOrNull(f[7]) : null));
            } catch (IllegalArgumentException e) { // a column that is not a number, a path that is not one
                throw new IOException(tsv + ":" + lineNo + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    /** The struct sizes this row asks for: the defaults with its env overrides (e.g. JUMP_STRUCT_SIZE=16). */
    public StructSizes structSizes(StructSizes base) {
        StructSizes s = base;
        if (env == null || env.isBlank() || env.equals("-")) return s;
        for (String a : env.split("[,\\s]+")) if (!a.isBlank()) s = s.withEnv(a);
        return s;
    }

    private static Integer intOrNull(String s) {
        s = s.trim();
        return s.isEmpty() || s.equals("-") ? null : Integer.valueOf(s);
    }

    private static List<String> list(String s) {
        s = s.trim();
        if (s.isEmpty() || s.equals("-")) return List.of();
        return List.of(s.split(","));
    }
}
