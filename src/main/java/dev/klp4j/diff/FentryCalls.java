package dev.klp4j.diff;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.Symbol;

/**
 * The ftrace call at the start of a function ({@code call __fentry__}, or on older kernels a
 * 5-byte NOP left by recordmcount with an {@code R_X86_64_NONE} relocation). The patch object
 * lists the call site of every function it carries in a fresh {@code __mcount_loc}, and turns a
 * NOP back into the call, because ftrace expects a call at each recorded site when the module
 * loads (which also lets a later patch replace these functions again).
 */
final class FentryCalls {
    static final int R_X86_64_NONE = 0;
    static final int R_X86_64_64 = 1;
    static final int R_X86_64_PC32 = 2;
    /** How far into a function the call may sit (after an ENDBR and padding). */
    private static final long WINDOW = 32;

    private FentryCalls() {}

    /** The relocation of the function's ftrace call, or null if it has none. */
    static Ref site(ObjectIndex idx, Symbol f) {
        if (f.section() == null) return null;
        long start = f.value();
        for (Ref r : idx.refs(f.section(), idx.extentStart(f), idx.extentEnd(f))) {
            if (r.offset() >= start + WINDOW) break;
            if (r.offset() >= start && ObjectIndex.isFentry(r.target())) return r;
        }
        return null;
    }

    /** Whether this site is a recordmcount NOP that must become a call again. */
    static boolean isNop(Ref r, byte[] data) {
        long at = r.offset() - 1;
        return r.type() == R_X86_64_NONE && at >= 0 && at + 5 <= data.length && (data[(int) at] & 0xff) == 0x0f;
    }

    /** Rewrites the NOP at the site into {@code call rel32} (the relocation fills in the target). */
    static void restoreCall(Ref r, byte[] data) {
        int at = (int) r.offset() - 1;
        data[at] = (byte) 0xe8;
        for (int i = 1; i < 5; i++) data[at + i] = 0;
    }

    static boolean x86(ObjectIndex idx) {
        return idx.file.header().machine() == Elf.EM_X86_64;
    }
}
