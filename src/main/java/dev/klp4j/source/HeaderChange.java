package dev.klp4j.source;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What a patch does to a header, for choosing which of its (possibly thousands of) users to
 * compile: the static inline functions whose bodies it changes, and which objects use them.
 * (A little over 300 lines: the names a change reaches and how a user is recognised are read
 * together.)
 */
public final class HeaderChange {

    private HeaderChange() {}

    /**
     * The static inline functions whose bodies the change from {@code before} to {@code after}
     * touches; empty when only comments or blank lines changed; null when it touches anything else
     * (a macro, a type, a declaration), which only preprocessing every user can follow.
     */
    public static Set<String> changedInlines(String before, String after) {
        return changedInlines(before, after, null);
    }

    /** As {@link #changedInlines(String, String)}, ignoring lines that {@code config} compiles out (null: none). */
    public static Set<String> changedInlines(String before, String after, ConfigConditions config) {
        Names n = changedNames(before, after, config);
        return n == null || !n.types().isEmpty() || !n.named().isEmpty() || !n.macros().isEmpty() ? null : n.inlines();
    }

    /**
     * What a header change touches, by name: the static inlines whose bodies changed; the types it
     * changes (a struct, union or wide enum and its enumerators, a typedef), which code reaches through
     * other types without naming them; the prototypes, extern variables and int-sized enums (with
     * their enumerators) it changes and the macros it adds under a name the header had, which code
     * reaches only by naming them; and the
     * existing macros it edits or removes (whose users' preprocessed text may change). Null when it
     * touches something only preprocessing every user can follow: a removed #include, an #if line,
     * an edited construct made by a macro (DECLARE_PER_CPU(...)), data defined in the header.
     */
    public record Names(Set<String> inlines, Set<String> types, Set<String> named, Set<String> macros) {
        public boolean isEmpty() { return inlines.isEmpty() && types.isEmpty() && named.isEmpty() && macros.isEmpty(); }

        /** The names compiled code can depend on, other than edited macros (which change text, not names). */
        public Set<String> all() {
            Set<String> a = new TreeSet<>(inlines);
            a.addAll(types);
            a.addAll(named);
            return a;
        }
    }

    public static Names changedNames(String before, String after, ConfigConditions config) {
        return changedNames(before, after, config, name -> null);
    }

    /**
     * As {@link #changedNames(String, String, ConfigConditions)}, where {@code macros} gives the
     * definition ("(params) body", or " body") of a macro the header sees, or null: a construct the
     * change adds through a macro that only declares (DEFINE_FREE, DEFINE_GUARD) adds new names.
     */
    public static Names changedNames(String before, String after, ConfigConditions config, Function<String, String> macros) {
        List<String> a = lines(before), b = lines(after);
        LineDiff diff = LineDiff.of(a, b);
        if (diff == null) return null;
        // A hunk under a condition this config leaves out changes nothing that is compiled.
        List<Integer> removed = ConfigConditions.compiled(config, before, diff.removed()), added = ConfigConditions.compiled(config, after, diff.added());
        Set<String> inlines = new TreeSet<>(), types = new TreeSet<>(), named = new TreeSet<>(), changedMacros = new TreeSet<>();
        java.util.Map<String, Set<String>> macrosBefore = macros(before), macrosAfter = macros(after);
        Names found = new Names(inlines, types, named, changedMacros);
        if (!classify(a, CSource.constructs(before), removed, new HashSet<>(diff.removed()), false, found, macrosBefore, macrosAfter, macros)) return null;
        if (!classify(b, CSource.constructs(after), added, new HashSet<>(diff.added()), true, found, macrosAfter, macrosBefore, macros)) return null;
        // A name the header did not have before (a new prototype, a new inline) is one no object
        // compiled from the original tree can depend on: only the patched files that call it, which
        // are compiled anyway.
        Set<String> old = identifiers(before);
        inlines.retainAll(old);
        types.retainAll(old);
        named.retainAll(old);
        return found;
    }

    private static final java.util.regex.Pattern DEFINE_LINE = java.util.regex.Pattern.compile("^\\s*#\\s*define\\s+([A-Za-z_][A-Za-z0-9_]*)");
    private static final java.util.regex.Pattern MACRO_NAME = java.util.regex.Pattern.compile("[A-Z][A-Z0-9_]+");
    private static final java.util.regex.Pattern MACRO_LIKE = java.util.regex.Pattern.compile("_*[A-Z][A-Z0-9_]*");

    private static final java.util.regex.Pattern INCLUDE_LINE = java.util.regex.Pattern.compile("^#\\s*include\\s*[<\"].*");

    /**
     * Whether each changed line (1-based) of one side can be followed by name; collects the names.
     * {@code own} are this side's macros, {@code other} the other side's; {@code addedSide} says
     * whether these lines are the patched side's.
     */
    private static boolean classify(List<String> lines, List<CSource.Construct> constructs, List<Integer> changed, Set<Integer> changedAll, boolean addedSide,
                                    Names found, java.util.Map<String, Set<String>> own,
                                    java.util.Map<String, Set<String>> other, Function<String, String> macros) {
        Set<Integer> changedSet = new HashSet<>(changed);
        int[][] blocks = conditionalBlocks(lines);
        for (int line : changed) {
            String t = lines.get(line - 1).strip();
            // An added #include brings declarations, types, inlines and macros that code compiled
            // from the original header never named (it compiled without them): new names only.
            if (addedSide && INCLUDE_LINE.matcher(t).matches()) continue;
            // A conditional added or removed whole (compiler_attributes.h's new "#if
            // __has_attribute(...) #define __no_stack_protector ..."): its condition selects only
            // among its own lines, which are followed one by one below.
            // (Whole counting the lines the config leaves out: "#ifdef CONFIG_PROVE_LOCKING ... #else ... #endif".)
            int[] block = blocks[line - 1];
            if (block != null && wholly(block[0], block[1], changedAll)) continue;
            CSource.Construct in = null;
            for (CSource.Construct c : constructs) if (c.firstLine() <= line && line <= c.lastLine()) in = c;
            if (in != null && in.definition() && in.staticInline()) {
                found.inlines().add(in.name());
                continue;
            }
            if (in != null) {
                // A type or a declaration, named by what it declares; one a macro makes is not (its name is the macro's).
                boolean byMacro = in.name() != null && MACRO_NAME.matcher(in.name()).matches();
                if (byMacro && addedSide && in.kind() == CSource.Kind.DECLARATION && wholly(in, changedSet)
                        && declaresOnly(in.name(), macros, 0)) {
                    // A new DEFINE_FREE(...): the static inlines and types it makes have new names.
                    continue;
                }
                if ((in.kind() == CSource.Kind.TYPE || in.kind() == CSource.Kind.DECLARATION) && !in.declares().isEmpty() && !byMacro) {
                    (in.kind() == CSource.Kind.TYPE && !intEnum(lines, in) ? found.types() : found.named()).addAll(in.declares());
                    continue;
                }
                return false;
            }
            // A preprocessor line (a macro, a condition) is never "only a comment", whatever it ends with.
            if (t.isEmpty() || t.startsWith("//") || t.startsWith("/*") || t.startsWith("*")) continue;
            String macro = defineAt(lines, line);
            if (macro != null && own.containsKey(macro)) {
                // A macro only the patched side defines: code compiled before could only name it as an identifier.
                if (addedSide && !other.containsKey(macro)) found.named().add(macro);
                // Edited or removed: the preprocessed text of the code that expands it changes.
                else found.macros().add(macro);
                continue;
            }
            return false;
        }
        return true;
    }

    /** A value an enum cannot hold in an int: the enum's size (or signedness) may change with it. */
    private static final java.util.regex.Pattern WIDE_VALUE = java.util.regex.Pattern.compile(
            "(?i)\\b(?:0x[0-9a-f]+|\\d+)u?ll\\b|<<\\s*(?:3[1-9]|[4-6]\\d)\\b|\\b0x[0-9a-f]{9,}|\\b\\d{10,}|_ULL\\b|\\bBIT_ULL|\\bGENMASK_ULL|\\bU64_MAX|\\bULONG_MAX");

    /**
     * An enum whose values all fit an int: a type no other type's layout depends on (its size stays
     * an int's), so code reaches a change of it only by naming an enumerator or the enum, as a
     * prototype's callers name the prototype. An enum with a wider value is followed as a struct.
     */
    private static boolean intEnum(List<String> lines, CSource.Construct c) {
        if (!lines.get(c.firstLine() - 1).strip().matches("(?:typedef\\s+)?enum\\b.*")) return false;
        for (int l = c.firstLine(); l <= c.lastLine(); l++) if (WIDE_VALUE.matcher(lines.get(l - 1)).find()) return false;
        return true;
    }

    private static final java.util.regex.Pattern CONDITIONAL = java.util.regex.Pattern.compile("^\\s*#\\s*(if|ifdef|ifndef|elif|else|endif)\\b.*");

    /**
     * For each line (0-based) that is a conditional directive of a block that closes, the block's
     * first and last line ({@code #if} to {@code #endif}, 1-based); null for other lines.
     */
    private static int[][] conditionalBlocks(List<String> lines) {
        int[][] out = new int[lines.size()][];
        java.util.Deque<List<Integer>> open = new java.util.ArrayDeque<>(); // each open block's directive lines
        for (int i = 0; i < lines.size(); i++) {
            java.util.regex.Matcher m = CONDITIONAL.matcher(lines.get(i));
            if (!m.matches()) continue;
            switch (m.group(1)) {
                case "if", "ifdef", "ifndef" -> open.push(new ArrayList<>(List.of(i)));
                case "elif", "else" -> { if (!open.isEmpty()) open.peek().add(i); }
                default -> {
                    if (open.isEmpty()) continue;
                    List<Integer> block = open.pop();
                    block.add(i);
                    for (int k : block) out[k] = new int[] {block.get(0) + 1, i + 1};
                }
            }
        }
        return out;
    }

    /** Whether every line from {@code first} to {@code last} (1-based) is a changed one. */
    private static boolean wholly(int first, int last, Set<Integer> changed) {
        for (int l = first; l <= last; l++) if (!changed.contains(l)) return false;
        return true;
    }

    /** Whether every line of {@code c} is a changed one: the construct is new, not edited. */
    private static boolean wholly(CSource.Construct c, Set<Integer> changed) {
        for (int l = c.firstLine(); l <= c.lastLine(); l++) if (!changed.contains(l)) return false;
        return true;
    }

    /** What makes an otherwise unused inline or declaration emit code or data into every includer. */
    private static final Set<String> EMITTING = Set.of("__used", "used", "__section", "section", "asm", "__asm__", "__asm",
            "__ADDRESSABLE", "__visible", "__attribute_used__", "externally_visible");

    /**
     * Whether every expansion of the macro {@code name} only declares: types, prototypes, static
     * inline functions (which emit nothing where unused), or other macros that only declare. False
     * when its definition cannot be found.
     */
    private static boolean declaresOnly(String name, Function<String, String> macros, int depth) {
        String def = depth > 4 ? null : macros.apply(name);
        if (def == null) return false;
        String body = def;
        if (body.startsWith("(")) {
            int close = body.indexOf(')');
            if (close < 0) return false;
            body = body.substring(close + 1);
        }
        // Pasted names (__free_##_name) are one new identifier; "#x" makes a string.
        body = body.replace("\\\n", "\n").replace("##", "").replaceAll("(?<![#\\w])#\\s*(?=[A-Za-z_])", "");
        List<CSource.Construct> constructs = CSource.constructs(body);
        if (constructs.isEmpty()) return false;
        for (CSource.Construct c : constructs) {
            if (intersects(c.identifiers(), EMITTING)) return false;
            if (c.definition() && c.staticInline()) continue;
            // "__PCPU_ATTRS(sec) __typeof__(type) name" is named by the macro before it, not a prototype:
            // a construct named by a macro's name is what that macro makes of it.
            if (c.name() != null && MACRO_LIKE.matcher(c.name()).matches() && !c.definition() && c.kind() != CSource.Kind.DATA) {
                if (!declaresOnly(c.name(), macros, depth + 1)) return false;
                continue;
            }
            if (c.kind() == CSource.Kind.TYPE || c.kind() == CSource.Kind.DECLARATION) continue;
            return false;
        }
        return true;
    }

    /** The macro whose #define (with its continuation lines) covers {@code line}, or null. */
    public static String defineAt(List<String> lines, int line) {
        int k = line - 1;
        while (k > 0 && lines.get(k - 1).endsWith("\\")) k--;
        java.util.regex.Matcher m = DEFINE_LINE.matcher(lines.get(k));
        return m.find() ? m.group(1) : null;
    }

    /**
     * The names through which code outside {@code header} can reach {@code inlines}: the functions
     * themselves, and whatever else in the header mentions them (a macro such as
     * {@code seq_show_option_n}, another static inline), closed over. Null when something in the
     * header that has no name mentions them (then every includer may reach them).
     */
    public static Set<String> reachingNames(String header, Set<String> inlines) {
        Set<String> names = new TreeSet<>(inlines);
        java.util.Map<String, Set<String>> macros = macros(header);
        List<CSource.Construct> constructs = CSource.constructs(header);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (CSource.Construct c : constructs) {
                if (!intersects(c.identifiers(), names) || (c.name() != null && names.contains(c.name()))) continue;
                if (c.name() == null) return null;
                names.add(c.name());
                grew = true;
            }
            for (var m : macros.entrySet()) {
                if (!names.contains(m.getKey()) && intersects(m.getValue(), names)) {
                    names.add(m.getKey());
                    grew = true;
                }
            }
        }
        return names;
    }

    /** {@code #define NAME body} lines (with continuations): name -> identifiers of the body. */
    private static java.util.Map<String, Set<String>> macros(String text) {
        java.util.Map<String, Set<String>> out = new java.util.HashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^\\s*#\\s*define\\s+([A-Za-z_][A-Za-z0-9_]*)((?:[^\\n]*\\\\\\n)*[^\\n]*)").matcher(text);
        while (m.find()) {
            Set<String> ids = new HashSet<>();
            java.util.regex.Matcher id = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*").matcher(m.group(2));
            while (id.find()) ids.add(id.group());
            out.put(m.group(1), ids);
        }
        return out;
    }

    private static Set<String> identifiers(String text) {
        Set<String> ids = new HashSet<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*").matcher(text);
        while (m.find()) ids.add(m.group());
        return ids;
    }

    private static List<String> lines(String text) {
        return List.of(text.split("\n", -1));
    }

    /**
     * Whether compiled code of the preprocessed source {@code i} depends on one of {@code names}:
     * a function or data definition mentions it, or mentions something declared in terms of it (a
     * struct with a member of a changed type, a typedef, a prototype, a static inline), closed over.
     * Types, declarations and unused inlines alone generate no code.
     */
    public static boolean dependsOn(Path i, Set<String> names) {
        return dependsOn(PreprocessedUnit.read(i), names);
    }

    /** {@link #dependsOn(Path, Set)} of a file already cut. */
    public static boolean dependsOn(PreprocessedUnit unit, Set<String> names) {
        // Worklist over an index name -> declaring constructs that mention it: linear in the text,
        // where a naive fixpoint rescans a network object's 30,000 constructs per round.
        java.util.Map<String, List<CSource.Construct>> mentioning = unit.declarationsMentioning();
        Set<String> tainted = new HashSet<>(names);
        java.util.ArrayDeque<String> work = new java.util.ArrayDeque<>(names);
        while (!work.isEmpty()) {
            for (CSource.Construct c : mentioning.getOrDefault(work.poll(), List.of())) {
                for (String d : c.declares()) if (tainted.add(d)) work.add(d);
            }
        }
        return intersects(tainted, unit.emittedIdentifiers());
    }

    /**
     * Whether the preprocessed source {@code i} uses one of {@code inlines} from code that is
     * compiled: a function, an initializer, or another static inline that itself is so used. Their
     * own definitions and prototypes do not count (an unused static inline generates no code).
     */
    public static boolean uses(Path i, Set<String> inlines) {
        return uses(PreprocessedUnit.read(i), inlines);
    }

    /** {@link #uses(Path, Set)} of a file already cut. */
    public static boolean uses(PreprocessedUnit unit, Set<String> inlines) {
        List<CSource.Construct> all = unit.constructs();
        Set<String> used = new HashSet<>(inlines);
        boolean grew = true;
        while (grew) {
            grew = false;
            for (CSource.Construct c : all) {
                if (c.definition() && c.staticInline() && !used.contains(c.name()) && intersects(c.identifiers(), used)) {
                    used.add(c.name());
                    grew = true;
                }
            }
        }
        for (CSource.Construct c : all) {
            if (c.definition() && c.staticInline()) continue;
            if (!c.definition() && c.name() != null && used.contains(c.name()) && onlyUses(c.identifiers(), used, c.name())) continue;
            if (intersects(c.identifiers(), used)) return true;
        }
        return false;
    }

    private static boolean intersects(Set<String> ids, Set<String> names) {
        for (String id : ids) if (names.contains(id)) return true;
        return false;
    }

    /** A prototype mentions its own name and nothing else of {@code names}. */
    private static boolean onlyUses(Set<String> ids, Set<String> names, String own) {
        for (String id : ids) if (!id.equals(own) && names.contains(id)) return false;
        return true;
    }
}
