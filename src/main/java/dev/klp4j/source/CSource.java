package dev.klp4j.source;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * C text cut into its top-level constructs (a function definition, a declaration, a struct), with
 * comments, strings and preprocessor lines set aside: just enough C to tell which static inline
 * function a header hunk changes, and which objects' preprocessed code uses it. (About 300 lines:
 * one small lexer and the construct splitter that uses it.)
 */
public final class CSource {
    /**
     * One top-level construct: its lines (1-based, inclusive), the name it declares or defines (the
     * identifier before its parameter list; null for a struct, a typedef of a non-function, ...),
     * whether it is a function definition with a body, whether it is static inline, and the
     * identifiers it uses.
     */
    record Construct(int firstLine, int lastLine, String name, boolean definition, boolean staticInline, Set<String> identifiers,
                     Kind kind, Set<String> declares) {
        /** Code or data the compiler emits for this construct (what a header change can reach in an object). */
        boolean emits() {
            return kind == Kind.DATA || (kind == Kind.FUNCTION && !staticInline);
        }
    }

    /**
     * What a construct is: a function definition; a type (struct/union/enum definition, typedef);
     * a declaration (a prototype, an extern variable, a forward declaration); or data (a variable
     * definition, with or without initializer).
     */
    enum Kind { FUNCTION, TYPE, DECLARATION, DATA }

    /** Identifiers that look like a function call but are attributes or qualifiers. */
    private static final Set<String> NOT_NAMES = Set.of("__attribute__", "__attribute", "__printf", "__scanf", "__section",
            "__aligned", "__alloc_size", "__cleanup", "__counted_by", "__diagnose_as", "__nonstring", "__malloc", "__must_check",
            "__deprecated", "__weak", "__pure", "__const", "__cold", "__hot", "__noreturn", "__used", "__maybe_unused",
            "__always_unused", "__packed", "__no_sanitize_address", "__no_kcsan", "__nocfi", "typeof", "__typeof__", "__typeof",
            "_Alignas", "alignas", "asm", "__asm__", "__asm", "__builtin_expect", "sizeof", "__must_hold", "__acquires",
            "__releases", "__attribute_const__", "__fastcall", "__cdecl", "BUILD_BUG_ON_ZERO", "__init", "__exit",
            // C keywords and base types: "static int (*hook)(void)" declares hook, not "int".
            "int", "char", "void", "long", "short", "unsigned", "signed", "float", "double", "_Bool", "bool", "struct", "union",
            "enum", "const", "volatile", "static", "inline", "extern", "register", "return", "if", "while", "for", "switch",
            "do", "else", "case", "default", "goto", "break", "continue", "restrict", "__restrict", "_Static_assert",
            "static_assert", "__extension__");

    private CSource() {}

    /** The constructs of {@code text} in order. */
    static List<Construct> constructs(String text) {
        List<Construct> out = new ArrayList<>();
        int n = text.length();
        int line = 1;
        boolean atLineStart = true;
        int depth = 0;
        int start = -1, startLine = 0;
        StringBuilder header = new StringBuilder();   // text of the construct before its first '{' at depth 0
        boolean sawBrace = false;
        int parens = 0;               // parentheses open at depth 0 before the first '{'
        Set<String> ids = new LinkedHashSet<>();
        int i = 0;
        while (i < n) {
            char c = text.charAt(i);
            if (c == '\n') { line++; atLineStart = true; i++; continue; }
            if (atLineStart && c == '#' ) {
                // A preprocessor line (or a line marker in preprocessed text), with its continuations.
                while (i < n && text.charAt(i) != '\n') {
                    if (text.charAt(i) == '\\' && i + 1 < n && text.charAt(i + 1) == '\n') { line++; i++; }
                    i++;
                }
                continue;
            }
            if (c == ' ' || c == '\t' || c == '\r' || c == '\f') { i++; continue; }
            atLineStart = false;
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                end = end < 0 ? n : end + 2;
                for (int k = i; k < end; k++) if (text.charAt(k) == '\n') line++;
                i = end;
                continue;
            }
            if (c == '/' && i + 1 < n && text.charAt(i + 1) == '/') {
                while (i < n && text.charAt(i) != '\n') i++;
                continue;
            }
            if (start < 0) { start = i; startLine = line; header.setLength(0); sawBrace = false; ids = new LinkedHashSet<>(); parens = 0; }
            if (c == '"' || c == '\'') {
                int k = i + 1;
                while (k < n && text.charAt(k) != c) { if (text.charAt(k) == '\\') k++; else if (text.charAt(k) == '\n') line++; k++; }
                if (!sawBrace) header.append(' ').append(c).append(c).append(' ');
                i = Math.min(n, k + 1);
                continue;
            }
            if (Character.isJavaIdentifierStart(c)) {
                int k = i;
                while (k < n && Character.isJavaIdentifierPart(text.charAt(k))) k++;
                String id = text.substring(i, k);
                ids.add(id);
                if (!sawBrace) header.append(' ').append(id).append(' ');
                i = k;
                continue;
            }
            if (c == '(' && depth == 0 && !sawBrace) parens++;
            if (c == ')' && depth == 0 && !sawBrace && parens > 0 && --parens == 0 && standaloneInvocation(text, start, i)) {
                // A header's "DEFINE_FREE(...)" line has no semicolon: it is a construct of its own,
                // not the start of the declaration on the next line.
                header.append(c);
                Construct call = construct(header.toString(), startLine, line, false, ids);
                // What it declares is the macro's business: HeaderChange looks at its definition.
                out.add(new Construct(call.firstLine(), call.lastLine(), call.name(), false, false, call.identifiers(),
                        Kind.DECLARATION, Set.of(call.name())));
                start = -1;
                i++;
                continue;
            }
            if (c == '{') {
                // "({ ... })" in a macro's arguments is a statement expression, not the construct's body.
                if (depth == 0 && !sawBrace && parens == 0) sawBrace = true;
                depth++;
            } else if (c == '}') {
                depth = Math.max(0, depth - 1);
                if (depth == 0 && isFunctionHeader(header.toString())) {
                    out.add(construct(header.toString(), text.substring(start, i + 1), startLine, line, true, ids));
                    start = -1;
                    i++;
                    continue;
                }
            } else if (c == ';' && depth == 0) {
                out.add(construct(header.toString(), text.substring(start, i + 1), startLine, line, false, ids));
                start = -1;
                i++;
                continue;
            }
            if (!sawBrace) header.append(c);
            i++;
        }
        if (start >= 0) out.add(construct(header.toString(), text.substring(start), startLine, line, false, ids));
        return out;
    }

    private static final java.util.regex.Pattern INVOCATION = java.util.regex.Pattern.compile("[A-Z][A-Z0-9_]+\\s*\\(");

    /**
     * Whether {@code text[start..close]} is a macro invocation standing alone: an upper-case name, its
     * argument list closing at {@code close}, then the end of the line and a new construct (not the
     * "{" of SYSCALL_DEFINE1(...) or a declarator on the same line).
     */
    private static boolean standaloneInvocation(String text, int start, int close) {
        java.util.regex.Matcher m = INVOCATION.matcher(text).region(start, close);
        if (!m.lookingAt() || text.indexOf('(', start) != m.end() - 1) return false;
        boolean newline = false;
        for (int k = close + 1; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '\n') newline = true;
            else if (c == '/' && k + 1 < text.length() && text.charAt(k + 1) == '*') {
                int end = text.indexOf("*/", k + 2);
                if (end < 0) return false;
                for (int j = k; j < end; j++) if (text.charAt(j) == '\n') newline = true;
                k = end + 1;
            } else if (c == '/' && k + 1 < text.length() && text.charAt(k + 1) == '/') {
                while (k + 1 < text.length() && text.charAt(k + 1) != '\n') k++;
            } else if (!Character.isWhitespace(c)) {
                return newline && (c == '#' || Character.isJavaIdentifierStart(c));
            }
        }
        return true;
    }

    /**
     * A function definition's header ends with its parameter list (or an attribute's): "struct x {"
     * and "int y[] = {" are data.
     */
    private static boolean isFunctionHeader(String header) {
        String h = header.strip();
        return h.indexOf('(') >= 0 && h.indexOf('=') < 0 && h.endsWith(")");
    }

    private static final java.util.regex.Pattern ID = java.util.regex.Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final java.util.regex.Pattern TAG = java.util.regex.Pattern.compile(
            "^(?:__extension__\\s+)?(struct|union|enum)(?:\\s+([A-Za-z_][A-Za-z0-9_]*))?$");
    // Compiled once: a network object's preprocessed text has 30,000 constructs, and an update reads thousands of them.
    private static final java.util.regex.Pattern WHITESPACE = java.util.regex.Pattern.compile("\\s+");
    private static final java.util.regex.Pattern BRACKETS = java.util.regex.Pattern.compile("\\[[^\\]]*\\]");
    private static final java.util.regex.Pattern EMPTY_BODY_THEN_ATTRIBUTES = java.util.regex.Pattern.compile("(?s).*\\{\\}(\\s*__\\w+(\\([^;]*\\))?)*\\s*;?");
    private static final java.util.regex.Pattern TAG_ONLY = java.util.regex.Pattern.compile("(struct|union|enum) [A-Za-z_][A-Za-z0-9_]*");
    private static final java.util.regex.Pattern ATTRIBUTE = java.util.regex.Pattern.compile("\\b__attribute(?:__)?\\s*\\(");
    private static final java.util.regex.Pattern FUNCTION_POINTER = java.util.regex.Pattern.compile("\\(\\s*\\*\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*\\)");

    /** The construct's text with the contents of its outermost braces removed ("struct x { ... } y;" -> "struct x {} y;"). */
    private static String outside(String text) {
        StringBuilder b = new StringBuilder();
        int depth = 0;
        for (int k = 0; k < text.length(); k++) {
            char c = text.charAt(k);
            if (c == '}') depth--;
            if (depth == 0) b.append(c);
            if (c == '{') depth++;
        }
        return b.toString();
    }

    /** The enumerators of an enum body: the first identifier of each comma-separated item. */
    private static Set<String> enumerators(String text) {
        Set<String> out = new LinkedHashSet<>();
        int open = text.indexOf('{'), close = text.lastIndexOf('}');
        if (open < 0 || close < open) return out;
        int depth = 0;
        StringBuilder item = new StringBuilder();
        for (int k = open + 1; k <= close; k++) {
            char c = k == close ? ',' : text.charAt(k);
            if (c == '(' || c == '{' || c == '[') depth++;
            if (c == ')' || c == '}' || c == ']') depth--;
            if (c == ',' && depth == 0) {
                java.util.regex.Matcher m = ID.matcher(item);
                if (m.find()) out.add(m.group());
                item.setLength(0);
            } else {
                item.append(c);
            }
        }
        return out;
    }

    /** The last identifier of {@code s} that is not a keyword or attribute, or null. */
    private static String lastName(String s) {
        String last = null;
        java.util.regex.Matcher m = ID.matcher(s);
        while (m.find()) if (!NOT_NAMES.contains(m.group())) last = m.group();
        return last;
    }

    private static Construct construct(String header, String text, int first, int last, boolean definition, Set<String> ids) {
        Construct c = construct(header, first, last, definition, ids);
        String head = WHITESPACE.matcher(header.strip()).replaceAll(" ");
        Set<String> declares = new LinkedHashSet<>();
        Kind kind;
        String bare = withoutAttributes(outside(text)).strip();
        java.util.regex.Matcher tag = TAG.matcher(head);
        if (definition) {
            kind = Kind.FUNCTION;
            if (c.name() != null) declares.add(c.name());
        } else if (head.startsWith("typedef ") || bare.startsWith("typedef ")) {
            kind = Kind.TYPE;
            java.util.regex.Matcher fp = FUNCTION_POINTER.matcher(bare);
            String n = fp.find() ? fp.group(1) : lastName(BRACKETS.matcher(bare).replaceAll(" "));
            if (n != null) declares.add(n);
            if (text.contains("{")) {
                java.util.regex.Matcher t = TAG.matcher(head.substring("typedef ".length()).strip());
                if (t.matches() && t.group(2) != null) declares.add(t.group(2));
                if (head.contains("enum")) declares.addAll(enumerators(text));
            }
        } else if (tag.matches() && text.contains("{") && EMPTY_BODY_THEN_ATTRIBUTES.matcher(bare).matches()) {
            kind = Kind.TYPE;
            if (tag.group(2) != null) declares.add(tag.group(2));
            if (tag.group(1).equals("enum")) declares.addAll(enumerators(text));
        } else if (!text.contains("{") && !text.contains("=")
                && (head.startsWith("extern ") || c.name() != null || TAG_ONLY.matcher(head).matches())) {
            kind = Kind.DECLARATION;
            String n = c.name() != null ? c.name() : head.startsWith("extern ") ? lastName(BRACKETS.matcher(bare).replaceAll(" ")) : null;
            if (n != null) declares.add(n);
        } else {
            kind = Kind.DATA;
            int eq = bare.indexOf('=');
            String n = lastName(BRACKETS.matcher(eq >= 0 ? bare.substring(0, eq) : bare).replaceAll(" "));
            if (n != null) declares.add(n);
        }
        return new Construct(c.firstLine(), c.lastLine(), c.name(), c.definition(), c.staticInline(), c.identifiers(), kind, declares);
    }

    private static Construct construct(String header, int first, int last, boolean definition, Set<String> ids) {
        String name = null;
        // "__attribute__((section(\".data..percpu\"))) int x;" names x, not "section".
        String[] tokens = WHITESPACE.split(withoutAttributes(header).replace("(", " ( "));
        for (int k = 1; k < tokens.length; k++) {
            if (!tokens[k].equals("(")) continue;
            String prev = tokens[k - 1];
            if (ID.matcher(prev).matches() && !NOT_NAMES.contains(prev)) {
                name = prev;
                break;
            }
        }
        boolean isStatic = false, isInline = false;
        for (String t : tokens) {
            if (t.equals("static")) isStatic = true;
            if (t.equals("inline") || t.equals("__inline") || t.equals("__inline__") || t.equals("__always_inline")) isInline = true;
        }
        return new Construct(first, last, name, definition, isStatic && isInline && name != null, ids, null, Set.of());
    }

    /** {@code header} without its {@code __attribute__((...))} groups (nested parentheses and all). */
    static String withoutAttributes(String header) {
        if (!header.contains("__attribute")) return header;
        java.util.regex.Matcher m = ATTRIBUTE.matcher(header);
        StringBuilder out = new StringBuilder();
        int from = 0;
        while (m.find(from)) {
            int depth = 1, k = m.end();
            while (k < header.length() && depth > 0) {
                char c = header.charAt(k++);
                if (c == '(') depth++;
                else if (c == ')') depth--;
            }
            out.append(header, from, m.start()).append(' ');
            from = k;
        }
        return out.append(header.substring(from)).toString();
    }
}
