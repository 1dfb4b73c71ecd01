package dev.klp4j.testing;

import java.nio.file.Path;

/** readelf output with the parts that legitimately change on a rewrite (file offsets) masked. */
public final class Readelf {
    private Readelf() {}

    public static String sectionsSymbolsRelocations(Path file) {
        Proc.Result r = Proc.run("readelf", "--wide", "-S", "-s", "-r", file.toString()).orFail("readelf " + file);
        return r.out()
                .replaceAll("offset 0x[0-9a-f]+", "offset X")
                // Section table rows: Address (16 hex digits) is followed by the file offset.
                .replaceAll(" ([0-9a-f]{16}) [0-9a-f]{6,} ", " $1 OFF ")
                .replace(file.toString(), "FILE");
    }

    /** readelf -a's complaints: a well-formed object makes it print none. */
    public static String warnings(Path file) {
        Proc.Result r = Proc.run("readelf", "-a", "-W", file.toString());
        return r.err() + (r.exit() != 0 ? "exit " + r.exit() : "");
    }
}
