package dev.klp4j.kbuild;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.TreeMap;

/**
 * The commands a kernel's kbuild ran to build one external module, as templates over the module's
 * directory, name and C sources, so that the next module for the same kernel is built by running
 * them again without make.
 *
 * <p>Why: {@code make -C KBUILD M=DIR modules} re-runs the kernel Makefile's compiler probes
 * (cc-option, as-instr: about 30 gcc runs on Debian's 6.1) on every call, which is most of the
 * module step of a one-file build; the commands themselves are few (compile the C sources, link,
 * modpost, compile the .mod.c, final link, BTF) and kbuild records each one in the module
 * directory's {@code .TARGET.cmd}. Between two modules of one kernel they differ only in the
 * directory, the module's name and its objects.
 *
 * <p>A recipe is made only when every recorded command can be told apart from that: the module's
 * and the sources' names are plain C identifiers, and no recorded command names them anywhere
 * but as the module's own files and defines. {@link Kbuild#module} checks a new recipe by running
 * it once where make just ran and comparing the two .ko files byte for byte.
 */
record ModuleRecipe(Map<String, String> env, String compile, List<String> link) {
    static final String DIR = "@DIR@";
    static final String NAME = "@NAME@";
    static final String BASE = "@BASE@";

    private static final Pattern IDENT = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** Paths the commands may name unquoted, as kbuild itself does. */
    private static final Pattern PLAIN_PATH = Pattern.compile("/[A-Za-z0-9_./+-]*");
    private static final Pattern SAVED = Pattern.compile("^(?:saved)?cmd_(\\S+) := (.*)$");

    ModuleRecipe {
        env = Collections.unmodifiableMap(new TreeMap<>(env));
        link = List.copyOf(link);
    }

    /**
     * The recipe of the module {@code name} that make has just built in {@code dir} from
     * {@code sources} (C files, by base name) and prebuilt objects; {@code btf} is the BTF command
     * make ran on the .ko (null: none), {@code exported} what kbuild adds to its commands'
     * environment (objtool reads SRCARCH from it). Empty when a command cannot be made a template.
     */
    static Optional<ModuleRecipe> record(Path dir, String name, List<String> sources, String btf, Map<String, String> exported) throws IOException {
        String d = dir.toAbsolutePath().toString();
        if (!IDENT.matcher(name).matches() || !PLAIN_PATH.matcher(d).matches() || sources.size() != 1) return Optional.empty();
        String base = sources.get(0);
        if (!IDENT.matcher(base).matches() || base.equals(name)) return Optional.empty();

        // genksyms appends the CRCs of a source's exports to its .cmd, which a replay does not redo.
        if (Files.readString(dir.resolve("." + base + ".o.cmd")).contains("#SYMVER")) return Optional.empty();
        Optional<String> compile = saved(dir, "." + base + ".o.cmd").flatMap(c -> template(c, d, name, base));
        if (compile.isEmpty()) return Optional.empty();
        // In the order make runs them. The list of objects (NAME.mod) is written by Kbuild, not replayed.
        List<String> link = new ArrayList<>();
        for (String target : List.of(name + ".o", "modules.order", "Module.symvers", name + ".mod.o", ".module-common.o", name + ".ko")) {
            Path cmd = dir.resolve("." + target + ".cmd");
            if (!Files.exists(cmd)) {
                if (target.equals(".module-common.o")) continue; // 6.12 and later only
                return Optional.empty();
            }
            Optional<String> t = saved(dir, "." + target + ".cmd").flatMap(c -> template(c, d, name, null));
            if (t.isEmpty()) return Optional.empty();
            link.add(t.get());
        }
        if (btf != null) {
            Optional<String> t = template(btf, d, name, null);
            if (t.isEmpty()) return Optional.empty();
            link.add(t.get());
        }
        Map<String, String> env = new TreeMap<>();
        for (Map.Entry<String, String> e : exported.entrySet()) {
            if (!IDENT.matcher(e.getKey()).matches() || e.getValue().contains("\n")) return Optional.empty();
            Optional<String> t = template(e.getValue(), d, name, null);
            if (t.isEmpty()) return Optional.empty();
            env.put(e.getKey(), t.get());
        }
        return Optional.of(new ModuleRecipe(env, compile.get(), link));
    }

    /** The shell script that builds module {@code name} in {@code dir} from {@code sources}; it runs in the kbuild directory. */
    String script(Path dir, String name, List<String> sources) {
        String d = dir.toAbsolutePath().toString();
        // make -C leaves the compiler to getcwd(), the kbuild directory with its links resolved
        // (/lib/modules/R/build is one), which goes into the debug info: so does cd -P here.
        StringBuilder s = new StringBuilder("set -e\ncd -P .\n");
        for (String base : sources) s.append(render(compile, d, name, base)).append('\n');
        for (String c : link) s.append(render(c, d, name, null)).append('\n');
        return s.toString();
    }

    /** The environment the script runs in, on top of klp4j's own. */
    Map<String, String> environment(Path dir, String name) {
        Map<String, String> out = new TreeMap<>();
        env.forEach((k, v) -> out.put(k, render(v, dir.toAbsolutePath().toString(), name, null)));
        return out;
    }

    /** Whether module {@code name} in {@code dir} can be built by {@link #script}. */
    static boolean fits(Path dir, String name, List<String> sources) {
        return IDENT.matcher(name).matches() && PLAIN_PATH.matcher(dir.toAbsolutePath().toString()).matches()
                && sources.stream().allMatch(b -> IDENT.matcher(b).matches() && !b.equals(name));
    }

    private static String render(String template, String dir, String name, String base) {
        String s = template.replace(DIR, dir).replace(NAME, name);
        return base == null ? s : s.replace(BASE, base);
    }

    /** The command of a kbuild .cmd file (its first line), as the shell runs it. */
    private static Optional<String> saved(Path dir, String file) throws IOException {
        String first = Files.readAllLines(dir.resolve(file)).stream().findFirst().orElse("");
        Matcher m = SAVED.matcher(first);
        return m.matches() ? Optional.of(unescape(m.group(2))) : Optional.empty();
    }

    /**
     * Undoes kbuild's escaping of a command for make ({@code $} as {@code $$}, {@code #} as
     * {@code $(pound)}), in one pass so that neither is read into the other.
     */
    static String unescape(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            if (s.startsWith("$$", i)) {
                out.append('$');
                i++;
            } else if (s.startsWith("$(pound)", i)) {
                out.append('#');
                i += "$(pound)".length() - 1;
            } else {
                out.append(s.charAt(i));
            }
        }
        return out.toString();
    }

    /**
     * {@code command} with the directory, the module's name and the source's base name made
     * placeholders; empty when a name is left in any other place (a flag that happens to contain
     * it), or the command already holds a placeholder's spelling.
     */
    static Optional<String> template(String command, String dir, String name, String base) {
        if (command.contains("@DIR@") || command.contains("@NAME@") || command.contains("@BASE@")) return Optional.empty();
        String t = Pattern.compile(Pattern.quote(dir) + "(?=[/\\s;:'\"]|$)").matcher(command).replaceAll(Matcher.quoteReplacement(DIR));
        if (t.contains(dir)) return Optional.empty();
        // The module's own files (DIR/NAME.o, DIR/.NAME.o.cmd's DIR/.NAME.o.d) and defines
        // (KBUILD_MODNAME='"NAME"', KBUILD_BASENAME='"NAME.mod"', __KBUILD_MODNAME=kmod_NAME).
        for (String[] n : base == null ? new String[][] {{name, NAME}} : new String[][] {{base, BASE}, {name, NAME}}) {
            t = Pattern.compile("(" + Pattern.quote(DIR) + "/\\.?|'\"|kmod_)" + Pattern.quote(n[0]) + "(?=\\.|\"'|\\s|;|$)")
                    .matcher(t).replaceAll(m -> Matcher.quoteReplacement(m.group(1) + n[1]));
        }
        for (String v : base == null ? List.of(name) : List.of(name, base)) {
            if (Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(v) + "(?![A-Za-z0-9_])").matcher(t).find()) return Optional.empty();
        }
        return Optional.of(t);
    }

    /** The recipe as text, a line each: {@code env NAME=VALUE}, {@code cc COMMAND} (a source's compile), {@code run COMMAND}. */
    String text() {
        StringBuilder out = new StringBuilder();
        env.forEach((k, v) -> out.append("env ").append(k).append('=').append(v).append('\n'));
        out.append("cc ").append(compile).append('\n');
        for (String c : link) out.append("run ").append(c).append('\n');
        return out.toString();
    }

    static Optional<ModuleRecipe> parse(String text) {
        Map<String, String> env = new TreeMap<>();
        String compile = null;
        List<String> link = new ArrayList<>();
        for (String l : text.split("\n")) {
            if (l.startsWith("env ") && l.indexOf('=') > 4) env.put(l.substring(4, l.indexOf('=')), l.substring(l.indexOf('=') + 1));
            else if (l.startsWith("cc ") && compile == null) compile = l.substring(3);
            else if (l.startsWith("run ")) link.add(l.substring(4));
            else if (!l.isEmpty()) return Optional.empty();
        }
        return compile == null || link.isEmpty() ? Optional.empty() : Optional.of(new ModuleRecipe(env, compile, link));
    }
}
