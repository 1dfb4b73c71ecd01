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
     * Functions that take __LINE__ as one argument among other integers, with its 1-based position:
     * only a differing immediate loaded into exactly that argument's register is a line number (a
     * changed flags or error argument of the same call is a real change). ext4 passes the line to
     * its inode, journal and error helpers through macros (ext4_iget, ext4_mark_inode_dirty, ...).
     */
    private static final java.util.Map<String, Integer> LINE_ARGUMENT = java.util.Map.ofEntries(
            java.util.Map.entry("__ext4_iget", 5), java.util.Map.entry("__ext4_mark_inode_dirty", 4),
            java.util.Map.entry("__ext4_journal_start_sb", 2), java.util.Map.entry("__ext4_journal_stop", 2),
            java.util.Map.entry("__ext4_journal_get_write_access", 2), java.util.Map.entry("__ext4_journal_get_create_access", 2),
            java.util.Map.entry("__ext4_handle_dirty_metadata", 2), java.util.Map.entry("__ext4_forget", 2),
            java.util.Map.entry("__ext4_error_inode", 3), java.util.Map.entry("__ext4_error_file", 3),
            java.util.Map.entry("__ext4_grp_locked_error", 2));

    /** Printing functions: a differing immediate among their arguments only changes a message (often a __LINE__). */
    private static final Set<String> PRINTS = Set.of("printk", "_printk");

    private static boolean loadsArgument(int op, int prefix, int position) {
        int[] mov = ARGUMENT_MOV[position - 1];
        return op == mov[1] && (mov[0] == 0 ? prefix != 0x41 : prefix == mov[0]);
    }

    /** {@code mov $imm32, REG} of the n-th integer argument register (edi, esi, edx, ecx, r8d, r9d): prefix byte (0 = none) and opcode. */
    private static final int[][] ARGUMENT_MOV = {{0, 0xbf}, {0, 0xbe}, {0, 0xba}, {0, 0xb9}, {0x41, 0xb8}, {0x41, 0xb9}};

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
            if (op < 0xb8 || op > 0xbf || a[aStart + q] != b[bStart + q]) continue;
            int prefix = q > 0 ? b[bStart + q - 1] & 0xff : 0;
            if ((prefix & 0xf8) == 0x48) continue; // REX.W: a 64-bit immediate
            Symbol callee = calleeAfter(b, bStart, len, q + 5, bRefs);
            if (callee == null) continue;
            String name = SymbolNames.mangled(callee.name());
            Integer arg = LINE_ARGUMENT.get(name);
            if (arg != null) {
                if (loadsArgument(op, prefix, arg)) return true;
            } else if (PRINTS.contains(name)) {
                // printk("...%s:%d...", __func__, __LINE__): the line may be any argument after the format.
                for (int k = 2; k <= ARGUMENT_MOV.length; k++) if (loadsArgument(op, prefix, k)) return true;
            } else if ((op == 0xba || op == 0xbe) && prefix != 0x41 && LINE_FUNCTIONS.contains(name)) {
                return true;
            }
        }
        return false;
    }

    /** The function called next, if only string loads and once-flags come between (null otherwise). */
    private static Symbol calleeAfter(byte[] b, int bStart, int len, int from, List<Ref> bRefs) {
        // Only string loads and once-flags (__warned, __already_done) may come between the
        // line number and the call.
        for (Ref r : bRefs) {
            long rel = r.offset() - bStart;
            if (rel < from || rel >= len) continue;
            int opcode = rel >= 1 ? b[(int) (r.offset() - 1)] & 0xff : -1;
            Symbol t = r.target();
            if (opcode == 0xe8 || opcode == 0xe9) return t;
            if (r.literal() != null) continue;
            if (t != null && (SymbolNames.isSpecialStatic(t) || (t.isSectionSymbol() && t.section() != null && !t.section().isText()))) continue;
            return null;
        }
        return null;
    }
}
