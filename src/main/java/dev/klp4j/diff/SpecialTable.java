package dev.klp4j.diff;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The kernel's special sections that klp4j cuts entry by entry, in one catalogue that the differ
 * ({@link SpecialSections}), klp (load-time tables, objtool's tables) and the target's size probe
 * (kbuild.TargetStructSizes) all read: what each table is, its entry size (measured per kernel
 * where a kernel struct sets it, else fixed), when the kernel reads it, and whether objtool writes it.
 *
 * <p>When the kernel reads a table decides what a livepatch relocation in it may point at (see
 * klp.LoadTimeTables): a patched module's symbols are written only when the livepatch core
 * initializes that object, after every table read at load has been read.
 */
public enum SpecialTable {
    BUG_TABLE("__bug_table", ReadAt.LOAD, false, Size.measured("bug", 12, "struct bug_entry", "CONFIG_GENERIC_BUG")),
    EXCEPTION_TABLE("__ex_table", ReadAt.LOAD, false, Size.measured("ex", 12, "struct exception_table_entry", null)),
    ALTERNATIVES(".altinstructions", ReadAt.LOAD, false, Size.measured("alt", 13, "struct alt_instr", null)),
    /** The key's state sets each site when the module comes (jump_label_add_module). */
    JUMP_LABELS("__jump_table", ReadAt.COMING, false, Size.measured("jump", 24, "struct jump_entry", "CONFIG_JUMP_LABEL")),
    /** Before 6.8 only; 6.8 made paravirt patching alternatives. */
    PARAVIRT_SITES(".parainstructions", ReadAt.LOAD, false, Size.measured("para", 16, "struct paravirt_patch_site", "KLP4J_PARAVIRT_SITES")),
    /** Each key is read and the call rewritten when the module comes (static_call_add_module). */
    STATIC_CALL_SITES(".static_call_sites", ReadAt.COMING, true, Size.measured("static_call", 8, "struct static_call_site",
            "CONFIG_HAVE_STATIC_CALL_INLINE")),
    /** Pointers to {@code struct pi_entry} in the kernels that introduced it, the structs themselves in others. */
    PRINTK_INDEX(".printk_index", ReadAt.LOAD, false, Size.measured("printk_index", 44, "struct pi_entry", "CONFIG_PRINTK_INDEX")),
    /** Kept in step with {@link #ORC_UNWIND_IP}, entry for entry. */
    ORC_UNWIND(".orc_unwind", ReadAt.LOAD, true, Size.measured("orc", 6, "struct orc_entry", "CONFIG_UNWINDER_ORC")),
    ORC_UNWIND_IP(".orc_unwind_ip", ReadAt.LOAD, true, Size.fixed(4)),
    SMP_LOCKS(".smp_locks", ReadAt.LOAD, false, Size.fixed(4)),
    RETPOLINE_SITES(".retpoline_sites", ReadAt.LOAD, true, Size.fixed(4)),
    RETURN_SITES(".return_sites", ReadAt.LOAD, true, Size.fixed(4)),
    /** Read at load on kernels with call depth tracking (callthunks_patch_module_calls). */
    CALL_SITES(".call_sites", ReadAt.LOAD, true, Size.fixed(4)),
    IBT_ENDBR_SEAL(".ibt_endbr_seal", ReadAt.LOAD, true, Size.fixed(4)),
    STATIC_CALL_TRAMP_KEY(".static_call_tramp_key", ReadAt.LOAD, false, Size.fixed(4)),
    CFI_SITES(".cfi_sites", ReadAt.LOAD, true, Size.fixed(4)),
    /** ftrace's list of fentry calls; on x86_64 the differ writes a fresh one (FentryCalls). */
    MCOUNT_LOC("__mcount_loc", ReadAt.LOAD, false, Size.fixed(8)),
    PATCHABLE_FUNCTION_ENTRIES("__patchable_function_entries", ReadAt.LOAD, false, Size.fixed(8)),
    // objtool's annotations: never loaded (the link drops .discard*), but where objtool checks the
    // module again at its link (6.12), a WARN's ud2 without its "reachable" mark would end the function.
    REACHABLE(".discard.reachable", ReadAt.NEVER, false, Size.fixed(4)),
    NO_ENDBR(".discard.noendbr", ReadAt.NEVER, false, Size.fixed(4)),
    RETPOLINE_SAFE(".discard.retpoline_safe", ReadAt.NEVER, false, Size.fixed(4)),
    INSTR_BEGIN(".discard.instr_begin", ReadAt.NEVER, false, Size.fixed(4)),
    INSTR_END(".discard.instr_end", ReadAt.NEVER, false, Size.fixed(4)),
    STACK_FRAME_NON_STANDARD(".discard.func_stack_frame_non_standard", ReadAt.NEVER, false, Size.fixed(8));

    /** When the kernel reads a module's table. */
    public enum ReadAt {
        /** While loading the module (load_module, module_finalize): before any livepatch relocation is written. */
        LOAD,
        /** By the MODULE_STATE_COMING notifiers: still before the livepatch core writes a patched module's symbols. */
        COMING,
        /** Never: the section does not reach a loaded module. */
        NEVER
    }

    /**
     * An entry's size: fixed, or the size of a kernel struct that changes between kernel versions
     * (6.1 has 16-byte jump entries and 12-byte alt_instr, older kernels 24 and 13), measured per
     * target by compiling {@code sizeof(struct)} where {@code guard} (a config symbol or probe
     * macro, null: always) is defined.
     */
    public record Size(int bytes, String key, String struct, String guard) {
        static Size fixed(int bytes) {
            return new Size(bytes, null, null, null);
        }

        static Size measured(String key, int defaultBytes, String struct, String guard) {
            return new Size(defaultBytes, key, struct, guard);
        }

        public boolean isMeasured() {
            return key != null;
        }
    }

    private final String section;
    private final ReadAt readAt;
    private final boolean objtool;
    private final Size size;

    SpecialTable(String section, ReadAt readAt, boolean objtool, Size size) {
        this.section = section;
        this.readAt = readAt;
        this.objtool = objtool;
        this.size = size;
    }

    public String section() { return section; }
    public ReadAt readAt() { return readAt; }
    /** objtool writes this table for an object it checks. */
    public boolean objtool() { return objtool; }
    public Size size() { return size; }

    /** The entry size on a kernel whose measured sizes are {@code sizes}. */
    public int entrySize(StructSizes sizes) {
        return size.isMeasured() ? sizes.get(size.key()) : size.bytes();
    }

    public static Optional<SpecialTable> of(String section) {
        for (SpecialTable t : values()) if (t.section.equals(section)) return Optional.of(t);
        return Optional.empty();
    }

    /** The tables whose entry size is a kernel struct's, as the size probe measures them. */
    public static List<SpecialTable> measured() {
        return Arrays.stream(values()).filter(t -> t.size.isMeasured()).toList();
    }

    /** The tables objtool writes for an object it checks (6.12: ORC, return/call/retpoline/static call sites, ...). */
    public static List<String> objtoolTables() {
        return Arrays.stream(values()).filter(t -> t.objtool).map(t -> t.section).toList();
    }
}
