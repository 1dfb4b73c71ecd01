package dev.klp4j.klp;

import dev.klp4j.base.Failure;
import dev.klp4j.kernel.KernelImage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the kernel's own symbol table (kallsyms) out of a vmlinuz image, for kernels whose
 * System.map is not shipped (Debian's linux-image has a placeholder; the real map is in the
 * 800 MB -dbg package). The compressed vmlinux is found by its XZ or zstd magic and unpacked
 * with {@code xz} or {@code zstd}; the kallsyms tables that scripts/kallsyms.c laid out in .rodata are
 * then located by their structure and cross-checked against each other, never assumed:
 * <pre>
 *   kallsyms_offsets[N] (.long)  kallsyms_relative_base (.quad)  kallsyms_num_syms (.long N)
 *   kallsyms_names (len + token bytes per symbol)  kallsyms_markers[(N+255)/256] (.long)
 *   kallsyms_seqs_of_names[N] (3 bytes)  kallsyms_token_table (256 strings)  kallsyms_token_index[256] (.short)
 * </pre>
 * in 6.1; 6.12 moves offsets, relative base and seqs_of_names after the token index.
 * (each label aligned to 8). The symbols come out in kallsyms order, the order the livepatch core
 * counts sympos in.
 */
public final class VmlinuxKallsyms {
    private static final byte[] DIGITS = "0\u00001\u00002\u00003\u00004\u00005\u00006\u00007\u00008\u00009\u0000".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    private final ByteBuffer b;
    private final byte[] d;

    private VmlinuxKallsyms(byte[] vmlinux) {
        this.d = vmlinux;
        this.b = ByteBuffer.wrap(vmlinux).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Symbols of vmlinux from a vmlinuz (bzImage) file. */
    public static KernelSymbols fromVmlinuz(Path vmlinuz) {
        return fromVmlinux(decompress(vmlinuz));
    }

    /** Symbols of vmlinux from the uncompressed kernel image. */
    public static KernelSymbols fromVmlinux(byte[] vmlinux) {
        return new VmlinuxKallsyms(vmlinux).read();
    }

    /** The vmlinux inside a vmlinuz; a kernel that cannot be unpacked can still be given its symbols. */
    static byte[] decompress(Path vmlinuz) {
        try {
            return KernelImage.unpack(vmlinuz);
        } catch (Failure e) {
            throw new Failure(e.getMessage() + " (pass --symbols)");
        }
    }

    private KernelSymbols read() {
        for (int at = KernelImage.indexOf(d, DIGITS, 0); at >= 0; at = KernelImage.indexOf(d, DIGITS, at + 1)) {
            int table = tokenTableStart(at);
            if (table < 0) continue;
            String[] tokens = new String[256];
            int end = tokenTable(table, tokens);
            if (end < 0) continue;
            KernelSymbols syms = fromTokenTable(table, tokens, end);
            if (syms != null) return syms;
        }
        throw new Failure("no kallsyms tables found in the kernel image (CONFIG_KALLSYMS off, or an unknown layout): pass --symbols");
    }

    /** Walks back from the "0" token (token 0x30) to token 0; -1 if the strings do not fit. */
    private int tokenTableStart(int zero) {
        int p = zero;
        for (int i = 0; i < 0x30; i++) {
            if (p < 2 || d[p - 1] != 0) return -1;
            int q = p - 2;
            while (q >= 0 && d[q] != 0) q--;
            p = q + 1;
            if (p >= zero) return -1;
        }
        return p;
    }

    /** Reads 256 tokens and checks kallsyms_token_index against them; returns the index's end or -1. */
    private int tokenTable(int table, String[] tokens) {
        int p = table;
        int[] offs = new int[256];
        for (int i = 0; i < 256; i++) {
            offs[i] = p - table;
            int q = p;
            while (q < d.length && d[q] != 0) q++;
            if (q >= d.length || q == p) return -1;
            tokens[i] = new String(d, p, q - p, java.nio.charset.StandardCharsets.ISO_8859_1);
            p = q + 1;
        }
        int index = align8(p);
        if (index + 512 > d.length) return -1;
        for (int i = 0; i < 256; i++) if ((b.getShort(index + 2 * i) & 0xffff) != offs[i]) return -1;
        return index + 512;
    }

    /**
     * The symbols, given the token table at {@code table} whose index ends at {@code indexEnd}.
     * Two layouts: up to 6.1 the tables before the token table are offsets, relative base, num_syms,
     * names, markers, seqs_of_names; from 6.2 on (Debian 13's 6.12) num_syms, names and markers come
     * right before the token table, and offsets, relative base and seqs_of_names after its index.
     */
    private KernelSymbols fromTokenTable(int table, String[] tokens, int indexEnd) {
        for (boolean seqsFirst : new boolean[] {true, false}) {
            for (int n = 1000; n < 4_000_000; n++) {
                int m = (n + 255) / 256;
                int markers = seqsFirst ? floor8(floor8(table - 3 * n) - 4 * m) : floor8(table - 4 * m);
                if (markers < 16) break;
                if (b.getInt(markers) != 0) continue;
                if (m > 1 && !increasingMarkers(markers, m)) continue;
                int lastMarker = b.getInt(markers + 4 * (m - 1));
                int rest = n - 256 * (m - 1);
                // kallsyms_names starts 8 bytes after kallsyms_num_syms (= n), and ends just before the markers.
                int hi = markers - lastMarker - rest, lo = Math.max(8, markers - lastMarker - rest * 130 - 16);
                for (int names = floor8(hi); names >= lo; names -= 8) {
                    if (b.getInt(names - 8) != n) continue;
                    int relBase, offsets;
                    if (seqsFirst) {
                        relBase = names - 16;
                        offsets = floor8(relBase - 4 * n);
                    } else {
                        offsets = align8(indexEnd);
                        relBase = align8(offsets + 4 * n);
                        if (relBase + 8 > d.length) continue;
                    }
                    List<KernelSymbols.Entry> e = decode(names, n, markers, tokens, offsets, relBase);
                    if (e != null) return new KernelSymbols("vmlinux", e);
                }
            }
        }
        return null;
    }

    private boolean increasingMarkers(int at, int m) {
        int prev = 0;
        for (int i = 1; i < m; i++) {
            int v = b.getInt(at + 4 * i);
            if (v <= prev || v - prev > 256 * 260) return false;
            prev = v;
        }
        return true;
    }

    /** Decodes all n names; null if the names do not end at the markers or disagree with them. */
    private List<KernelSymbols.Entry> decode(int names, int n, int markers, String[] tokens, int offsets, int relBase) {
        int p = names;
        List<String> out = new ArrayList<>(n);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if ((i & 0xff) == 0 && b.getInt(markers + 4 * (i >> 8)) != p - names) return null;
            if (p >= markers) return null;
            int len = d[p++] & 0xff;
            if ((len & 0x80) != 0) len = (len & 0x7f) | ((d[p++] & 0xff) << 7);
            if (len == 0 || p + len > markers) return null;
            sb.setLength(0);
            for (int k = 0; k < len; k++) sb.append(tokens[d[p + k] & 0xff]);
            p += len;
            out.add(sb.toString());
        }
        if (align8(p) != markers && p > markers) return null;
        if (markers - p >= 8) return null;
        long base = b.getLong(relBase);
        List<KernelSymbols.Entry> e = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String s = out.get(i);
            if (s.length() < 2) return null;
            int off = b.getInt(offsets + 4 * i);
            long addr = off >= 0 ? Integer.toUnsignedLong(off) : base - 1 - off;
            e.add(new KernelSymbols.Entry(addr, s.charAt(0), s.substring(1)));
        }
        return e;
    }

    private static int align8(int x) { return (x + 7) & ~7; }
    private static int floor8(int x) { return x & ~7; }

    /** Writes symbols as a System.map-style file ("ADDRESS TYPE NAME"), for caching. */
    public static void writeMap(KernelSymbols s, Path file) throws IOException {
        StringBuilder sb = new StringBuilder(s.entries().size() * 40);
        for (KernelSymbols.Entry e : s.entries()) sb.append(String.format("%016x %c %s%n", e.address(), e.type(), e.name()));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, sb);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
