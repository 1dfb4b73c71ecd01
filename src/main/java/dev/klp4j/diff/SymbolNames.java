package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.Set;

/** Naming conventions of GCC and clang that the differ relies on. */
final class SymbolNames {
    private SymbolNames() {}

    /**
     * Function-scope statics the kernel's macros create for bookkeeping (once flags, lockdep keys,
     * rate-limit state, dynamic-debug descriptors, printk index entries, ...): a patched function
     * gets fresh ones, so they are never correlated with the original's.
     */
    private static final Set<String> SPECIAL_STATICS = Set.of(
            "__warned", "__key", "__already_done", "__func__", "__FUNCTION__", "__PRETTY_FUNCTION__",
            "_rs", "___rs", "__print_once", "descriptor", "_entry", "_entry_ptr", "__msg", "__done",
            "__once", "__already_warned", "__tpstrtab", "__constraint");

    /** Sections whose contents are once-flags and similar state, never correlated. */
    private static final Set<String> SPECIAL_STATIC_SECTIONS = Set.of(".data..once", ".data.once", "__dyndbg");

    private static final String UNIQUE_ID = "__UNIQUE_ID_";
    private static final String BTF_ID = "__BTF_ID__";

    /**
     * Strips numeric components: {@code foo.isra.0} to {@code foo.isra}, {@code count.45134} to
     * {@code count}; and the {@code __COUNTER__} value that {@code __UNIQUE_ID(prefix)} appends
     * ({@code __UNIQUE_ID_ddebug333.8} to {@code __UNIQUE_ID_ddebug}): it shifts whenever the patch
     * adds a unique id earlier in the file (a dynamic-debug print, an export, a max()).
     */
    static String mangled(String name) {
        String m = withoutNumericParts(name);
        // BTF_ID(struct, fib6_info) is __BTF_ID__struct__fib6_info__ with __COUNTER__ and __LINE__
        // pasted on: a header that adds a unique id renumbers it (6.12.118's srcu.h made route.o's
        // __BTF_ID__struct__fib6_info__13766744 ...13796744, and ip6_route_init, which reads it,
        // looked changed). resolve_btfids fills it by the type and name alone.
        String prefix = m.startsWith(UNIQUE_ID) ? UNIQUE_ID : m.startsWith(BTF_ID) ? BTF_ID : null;
        if (prefix == null) return m;
        int end = m.length();
        while (end > prefix.length() && Character.isDigit(m.charAt(end - 1))) end--;
        return m.substring(0, end);
    }

    private static String withoutNumericParts(String name) {
        if (name.indexOf('.') < 0) return name;
        StringBuilder out = new StringBuilder(name.length());
        int i = 0;
        int n = name.length();
        while (i < n) {
            char c = name.charAt(i);
            if (c == '.' && i + 1 < n && Character.isDigit(name.charAt(i + 1))) {
                int j = i + 1;
                while (j < n && Character.isDigit(name.charAt(j))) j++;
                if (j == n || name.charAt(j) == '.') {
                    i = j;
                    continue;
                }
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    static boolean isSpecialStatic(Symbol s) {
        if (s.section() != null && SPECIAL_STATIC_SECTIONS.contains(s.section().name())) return true;
        if (!s.isLocal() || s.isFunction() || s.isSectionSymbol() || s.isFileSymbol()) return false;
        String name = s.name();
        if (name.startsWith("__UNIQUE_ID_") || name.startsWith("CSWTCH") || name.startsWith("__initcall")) return true;
        // Only function-scope statics qualify: GCC names them VAR.N, clang FUNCTION.VAR; a
        // file-scope variable that happens to be called "descriptor" is ordinary data.
        if (name.indexOf('.') < 0) return false;
        for (String part : name.split("\\.")) {
            if (SPECIAL_STATICS.contains(part)) return true;
        }
        return false;
    }

    /** A function-scope static variable: a local object named {@code NAME.N}. */
    static boolean isStaticLocal(Symbol s) {
        if (!s.isLocal() || !s.isObject() || s.section() == null) return false;
        if (s.name().startsWith(".L") || isStringSection(s.section())) return false; // clang's literals (.L.str.N)
        return !mangled(s.name()).equals(s.name()) && !isSpecialStatic(s);
    }

    /** The {@code .cold} part GCC splits off a function: the parent's name, or null. */
    static String coldParent(String name) {
        int i = name.indexOf(".cold");
        return i > 0 ? name.substring(0, i) : null;
    }

    /**
     * The parent of a GCC subfunction ({@code foo.cold}, {@code foo.cold.3}, {@code foo.part.2}):
     * the name before the suffix, or null.
     */
    static String subfunctionParent(String name) {
        String cold = coldParent(name);
        if (cold != null) return cold;
        int i = name.indexOf(".part.");
        return i > 0 ? name.substring(0, i) : null;
    }

    /** The function a GCC clone or piece was made from ({@code foo.part.1}, {@code foo.isra.0}, {@code foo.constprop.0.cold}): foo, or null. */
    static String cloneParent(String name) {
        int cut = -1;
        for (String suffix : new String[] {".part.", ".isra.", ".constprop.", ".cold", ".lto_priv."}) {
            int i = name.indexOf(suffix);
            if (i > 0 && (cut < 0 || i < cut)) cut = i;
        }
        return cut > 0 ? name.substring(0, cut) : null;
    }

    static boolean isPrefixSymbol(Symbol s) {
        return s.name().startsWith("__pfx_") || s.name().startsWith("__cfi_");
    }

    /**
     * Sections whose changes never need patching: symbol exports, boot-time tables and tracing
     * metadata the running kernel already consumed.
     */
    static boolean isExempt(Section s) {
        String n = s.name();
        return n.startsWith("__ksymtab") || n.startsWith("___ksymtab") || n.startsWith("__kcrctab") || n.startsWith("___kcrctab")
                || n.startsWith(".initcall") || n.startsWith(".con_initcall") || n.equals(".init.setup")
                || n.startsWith("__param") || n.startsWith(".note") || n.equals(".comment") || n.startsWith("_ftrace_events")
                || n.startsWith("__tracepoint") || n.equals("__syscalls_metadata") || n.startsWith("_error_injection")
                || n.equals(".modinfo") || n.startsWith(".kpatch.") || n.startsWith(".klp4j.") || n.equals("__dyndbg")
                || n.equals("__verbose") || n.equals(".orc_unwind") || n.startsWith(".BTF") || n.startsWith(".eh_frame")
                || n.equals("__mcount_loc") || n.equals("__patchable_function_entries") || isSanitizerData(s);
    }

    /** UBSAN/KASAN source-location and type descriptors: diagnostics, changed by line shifts. */
    static boolean isSanitizerData(Section s) {
        String n = s.name();
        return n.contains("..Lubsan") || n.contains("..LASAN") || n.contains(".Lubsan_") || n.contains("..Lasan");
    }

    static boolean isInitSection(Section s) {
        String n = s.name();
        return n.startsWith(".init.") || n.startsWith(".exit.") || n.equals(".init") || n.startsWith(".meminit.")
                || n.startsWith(".head.text");
    }

    /** An __exit function's section: kept in a module for its unload, discarded from vmlinux. */
    static boolean isExitSection(Section s) {
        return s.name().startsWith(".exit.");
    }

    static boolean isStringSection(Section s) {
        return s.hasFlag(dev.klp4j.elf.Elf.SHF_STRINGS) || s.name().startsWith(".rodata.str") || s.name().contains(".str1.");
    }

    /** A coarse kind of section: moving a symbol between kinds cannot be patched. */
    static String kind(Section s) {
        String n = s.name();
        if (n.startsWith(".init.") || n.startsWith(".meminit.")) return s.isText() ? "init text" : "init data";
        if (n.startsWith(".exit.")) return s.isText() ? "exit text" : "exit data";
        if (s.isText()) return "text";
        if (n.startsWith(".data..percpu")) return "percpu data";
        // .data.rel.ro is read-only only after relocation: the kernel may have registered it
        // (file_operations and the like), so it counts as data.
        if (n.startsWith(".rodata") || (!s.hasFlag(dev.klp4j.elf.Elf.SHF_WRITE) && !n.startsWith(".data"))) return "read-only data";
        return "data";
    }
}
