package dev.klp4j.diff;

import dev.klp4j.elf.Symbol;
import java.util.List;
import java.util.Set;

/**
 * Recognizes code that differs only in the __LINE__ argument of a WARN/BUG/might_sleep-style
 * call: on x86_64 the line is loaded as {@code mov $imm32, %edx} or {@code %esi} (opcode 0xba or
 * 0xbe, optionally REX.B-prefixed) shortly before a call to one of the functions below, with
 * only string or data loads in between.
 */
final class LineMacros {
    private LineMacros() {}

    private static final Set<String> LINE_FUNCTIONS = Set.of(
            "warn_slowpath_fmt", "warn_slowpath_null", "warn_slowpath_fmt_taint", "__warn_printk",
            "__might_sleep", "___might_sleep", "__might_resched", "__might_fault", "__cant_sleep",
            "__cant_migrate", "printk", "_printk", "lockdep_rcu_suspicious", "__btrfs_abort_transaction",
            "__btrfs_handle_fs_error", "__btrfs_std_error", "_dev_warn", "rcu_read_lock_held", "__WARN_printf",
            "__ubsan_handle_out_of_bounds", "__ext4_error", "__ext4_warning", "__ext4_std_error",
            "ext4_error_inode", "__xfs_printk", "assfail", "asswarn");

    /**
     * Whether two byte ranges of equal length differ only in line-number immediates.
     *
     * @param a         original bytes
     * @param b         patched bytes
     * @param aStart    start of the range in {@code a}
     * @param bStart    start of the range in {@code b}
     * @param len       length of both ranges
     * @param bRefs     the patched range's relocations (offsets relative to {@code bStart}'s section)
     */
    static boolean onlyLineChanges(byte[] a, int aStart, byte[] b, int bStart, int len, List<Ref> bRefs) {
        boolean any = false;
        int i = 0;
        while (i < len) {
            if (a[aStart + i] == b[bStart + i]) {
                i++;
                continue;
            }
            int ds = i;
            int de = i;
            while (de < len && a[aStart + de] != b[bStart + de]) de++;
            if (!explained(a, aStart, b, bStart, len, ds, de, bRefs)) return false;
            any = true;
            i = de;
        }
        return any;
    }

    private static boolean explained(byte[] a, int aStart, byte[] b, int bStart, int len, int ds, int de, List<Ref> bRefs) {
        for (int q = ds - 1; q >= Math.max(0, de - 5); q--) {
            int op = b[bStart + q] & 0xff;
            if ((op != 0xba && op != 0xbe) || a[aStart + q] != b[bStart + q]) continue;
            if (q > 0 && ((b[bStart + q - 1] & 0xff) & 0xf8) == 0x48) continue; // REX.W: a 64-bit immediate
            if (callsLineFunctionAfter(b, bStart, len, q + 5, bRefs)) return true;
        }
        return false;
    }

    private static boolean callsLineFunctionAfter(byte[] b, int bStart, int len, int from, List<Ref> bRefs) {
        // Only string loads and once-flags (__warned, __already_done) may come between the
        // line number and the call.
        for (Ref r : bRefs) {
            long rel = r.offset() - bStart;
            if (rel < from || rel >= len) continue;
            int opcode = rel >= 1 ? b[(int) (r.offset() - 1)] & 0xff : -1;
            Symbol t = r.target();
            if (opcode == 0xe8 || opcode == 0xe9) {
                return t != null && LINE_FUNCTIONS.contains(SymbolNames.mangled(t.name()));
            }
            if (r.string() != null) continue;
            if (t != null && (SymbolNames.isSpecialStatic(t) || (t.isSectionSymbol() && t.section() != null && !t.section().isText()))) continue;
            return false;
        }
        return false;
    }
}
