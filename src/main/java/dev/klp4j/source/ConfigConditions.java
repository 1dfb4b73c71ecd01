package dev.klp4j.source;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which lines of a header this kernel's config compiles out. A stable fix often changes a header
 * under {@code #ifdef CONFIG_KCOV} or {@code #if IS_ENABLED(CONFIG_X)} that the target does not
 * enable; such a hunk changes no object, and knowing it from the text spares preprocessing the
 * header's twenty thousand users. Conditions are read only as far as they name config symbols
 * ({@code defined}, {@code IS_ENABLED}, {@code IS_BUILTIN}, {@code IS_MODULE}, {@code !},
 * {@code &&}, {@code ||}, parentheses); anything else counts as "maybe", so a line is called
 * dead only when an enclosing condition is surely false. (The few objects that #undef a CONFIG_
 * symbol, such as the decompressor and the vDSO, are not live-patchable anyway.)
 */
public final class ConfigConditions {
    private static final Pattern DEFINE = Pattern.compile("^#define (CONFIG_[A-Za-z0-9_]+) ", Pattern.MULTILINE);
    private static final Pattern DIRECTIVE = Pattern.compile("^\\s*#\\s*(ifdef|ifndef|if|elif|else|endif)\\b(.*)$");

    private final Set<String> defined;

    ConfigConditions(Set<String> defined) {
        this.defined = Set.copyOf(defined);
    }

    /** The symbols kbuild's {@code include/generated/autoconf.h} defines ({@code CONFIG_X}, {@code CONFIG_Y_MODULE}). */
    public static ConfigConditions of(Path tree) {
        Path autoconf = tree.resolve("include/generated/autoconf.h");
        try {
            Set<String> d = new HashSet<>();
            Matcher m = DEFINE.matcher(Files.readString(autoconf, StandardCharsets.ISO_8859_1));
            while (m.find()) d.add(m.group(1));
            return new ConfigConditions(d);
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot read " + autoconf + " (is the tree prepared?): " + e.getMessage());
        }
    }

    /** Whether this config sets {@code symbol} (CONFIG_X) to y. */
    public boolean enabled(String symbol) {
        return defined.contains(symbol);
    }

    /** Three-valued: TRUE, FALSE, or MAYBE when the condition is more than config symbols. */
    public enum Truth {
        TRUE, FALSE, MAYBE;

        Truth not() { return this == TRUE ? FALSE : this == FALSE ? TRUE : MAYBE; }
        Truth and(Truth o) { return this == FALSE || o == FALSE ? FALSE : this == TRUE && o == TRUE ? TRUE : MAYBE; }
        Truth or(Truth o) { return this == TRUE || o == TRUE ? TRUE : this == FALSE && o == FALSE ? FALSE : MAYBE; }
    }

    /** Of {@code lines} (1-based lines of {@code text}), those this config may compile; a null config keeps them all. */
    static List<Integer> compiled(ConfigConditions config, String text, List<Integer> lines) {
        if (config == null) return lines;
        boolean[] dead = config.deadLines(text);
        return lines.stream().filter(l -> !dead[l - 1]).toList();
    }

    /** dead[i] for line i+1 of {@code text}: inside a conditional block this config surely leaves out. */
    boolean[] deadLines(String text) {
        String[] lines = text.split("\n", -1);
        boolean[] dead = new boolean[lines.length];
        // Per open conditional: whether the current branch is surely out, and whether an earlier branch surely ran.
        Deque<boolean[]> open = new ArrayDeque<>(); // {branchDead, earlierTaken, earlierMaybe}
        int deadDepth = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            while (line.endsWith("\\") && i + 1 < lines.length) { // a continued directive: its lines share its fate
                dead[i] = deadDepth > 0;
                line = line.substring(0, line.length() - 1) + " " + lines[++i];
            }
            Matcher d = DIRECTIVE.matcher(line);
            if (!d.matches()) {
                dead[i] = deadDepth > 0;
                continue;
            }
            String kind = d.group(1), cond = stripComments(d.group(2)).strip();
            switch (kind) {
                case "ifdef", "ifndef", "if" -> {
                    dead[i] = deadDepth > 0;
                    Truth t = kind.equals("if") ? eval(cond) : symbol(cond, kind.equals("ifdef"));
                    boolean branchDead = t == Truth.FALSE;
                    open.push(new boolean[] {branchDead, t == Truth.TRUE, t == Truth.MAYBE});
                    if (branchDead) deadDepth++;
                }
                case "elif", "else" -> {
                    if (open.isEmpty()) continue;
                    boolean[] top = open.peek();
                    if (top[0]) deadDepth--;
                    Truth t = kind.equals("else") ? Truth.TRUE : eval(cond);
                    // This branch runs only if no earlier one did: surely out when one surely ran.
                    boolean branchDead = top[1] || t == Truth.FALSE;
                    top[0] = branchDead;
                    if (t == Truth.TRUE && !top[2]) top[1] = true;
                    if (t == Truth.MAYBE) top[2] = true;
                    if (branchDead) deadDepth++;
                    dead[i] = deadDepth > 0;
                }
                default -> { // endif
                    if (open.isEmpty()) continue;
                    if (open.pop()[0]) deadDepth--;
                    dead[i] = deadDepth > 0;
                }
            }
        }
        return dead;
    }

    private Truth symbol(String cond, boolean ifdef) {
        String name = cond.split("\\s+")[0];
        if (!name.startsWith("CONFIG_")) return Truth.MAYBE;
        Truth t = defined.contains(name) ? Truth.TRUE : Truth.FALSE;
        return ifdef ? t : t.not();
    }

    private static String stripComments(String s) {
        return s.replaceAll("/\\*.*?\\*/", " ").replaceAll("/\\*.*$", " ").replaceAll("//.*$", " ");
    }

    /** Evaluates an #if expression of config symbols; MAYBE for anything else. */
    public Truth eval(String cond) {
        Parser p = new Parser(cond);
        Truth t = p.or();
        return p.atEnd() ? t : Truth.MAYBE;
    }

    private final class Parser {
        private final Matcher tokens;
        private String tok;

        Parser(String s) {
            tokens = Pattern.compile("\\s*(&&|\\|\\||!|\\(|\\)|[A-Za-z_][A-Za-z0-9_]*|\\S+)").matcher(s);
            next();
        }

        private void next() { tok = tokens.find() ? tokens.group(1) : null; }
        boolean atEnd() { return tok == null; }

        Truth or() {
            Truth t = and();
            while ("||".equals(tok)) { next(); t = t.or(and()); }
            return t;
        }

        Truth and() {
            Truth t = unary();
            while ("&&".equals(tok)) { next(); t = t.and(unary()); }
            return t;
        }

        Truth unary() {
            if ("!".equals(tok)) { next(); return unary().not(); }
            if ("(".equals(tok)) {
                next();
                Truth t = or();
                if (!")".equals(tok)) return Truth.MAYBE;
                next();
                return t;
            }
            if (tok == null) return Truth.MAYBE;
            String f = tok;
            next();
            switch (f) {
                case "defined", "IS_ENABLED", "IS_BUILTIN", "IS_MODULE", "IS_REACHABLE" -> {
                    boolean paren = "(".equals(tok);
                    if (paren) next();
                    String sym = tok;
                    next();
                    if (paren) { if (!")".equals(tok)) return Truth.MAYBE; next(); }
                    if (sym == null || !sym.startsWith("CONFIG_")) return Truth.MAYBE;
                    boolean y = defined.contains(sym), m = defined.contains(sym + "_MODULE");
                    return switch (f) {
                        case "defined", "IS_BUILTIN" -> y ? Truth.TRUE : Truth.FALSE;
                        case "IS_MODULE" -> m ? Truth.TRUE : Truth.FALSE;
                        case "IS_ENABLED" -> y || m ? Truth.TRUE : Truth.FALSE;
                        default -> y ? Truth.TRUE : m ? Truth.MAYBE : Truth.FALSE; // IS_REACHABLE: depends on the user
                    };
                }
                default -> {
                    // A bare CONFIG_X in #if is its value: 1 when =y, 0 (undefined) otherwise.
                    if (f.startsWith("CONFIG_") && !"(".equals(tok)) return defined.contains(f) ? Truth.MAYBE : Truth.FALSE;
                    return Truth.MAYBE;
                }
            }
        }
    }
}
