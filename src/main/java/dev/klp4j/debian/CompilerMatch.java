package dev.klp4j.debian;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether the compiler klp4j builds with is the one that built the target kernel. The patch module
 * replaces functions of the running kernel with functions klp4j compiled: another compiler inlines,
 * clones and lays out code differently, so the differ would compare objects that are not the
 * kernel's, and a change inlined into a caller in the running kernel could go unpatched.
 *
 * <p>The kernel's compiler is its config's {@code CONFIG_CC_VERSION_TEXT} ("gcc-12 (Debian
 * 12.2.0-14+deb12u1) 12.2.0": the first line of {@code $(CC) --version}); the host's is the first
 * line of {@code gcc --version}. The command name before the first space is not compared (gcc is
 * gcc-12 here).
 */
public record CompilerMatch(Verdict verdict, String kernel, String host) {
    enum Verdict {
        /** The same compiler, to the Debian revision. */
        SAME,
        /** The same upstream release (12.2.0) built by another Debian revision: code generation barely differs. */
        SAME_RELEASE,
        /** Another release (gcc 14 against 12), or no compiler at all: objects would not be the kernel's. */
        OTHER,
        /** The config does not say (a hand-made config): nothing to compare. */
        UNKNOWN
    }

    private static final Pattern TEXT = Pattern.compile("(?m)^CONFIG_CC_VERSION_TEXT=\"([^\"]*)\"");
    private static final Pattern RELEASE = Pattern.compile("(\\d+\\.\\d+(?:\\.\\d+)?)\\s*$");

    /** The compiler the kernel of {@code config} was built with, or null when the config does not say. */
    static String kernelCompiler(Path config) {
        try {
            Matcher m = TEXT.matcher(Files.readString(config));
            return m.find() ? m.group(1) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Compares the kernel's compiler text with the host's {@code --version} line (null: no such compiler). */
    static CompilerMatch of(String kernel, String host) {
        if (kernel == null || kernel.isBlank()) return new CompilerMatch(Verdict.UNKNOWN, kernel, host);
        if (host == null) return new CompilerMatch(Verdict.OTHER, kernel, null);
        if (withoutCommand(kernel).equals(withoutCommand(host))) return new CompilerMatch(Verdict.SAME, kernel, host);
        String a = release(kernel), b = release(host);
        boolean sameFamily = family(kernel).equals(family(host));
        return new CompilerMatch(sameFamily && a != null && a.equals(b) ? Verdict.SAME_RELEASE : Verdict.OTHER, kernel, host);
    }

    /** The upstream release at the end of the line ("12.2.0"), or null. */
    static String release(String text) {
        Matcher m = RELEASE.matcher(text.strip());
        return m.find() ? m.group(1) : null;
    }

    private static String withoutCommand(String text) {
        String t = text.strip();
        int space = t.indexOf(' ');
        return space < 0 ? t : t.substring(space + 1).strip();
    }

    /** gcc or clang: what the command name is a version of ("x86_64-linux-gnu-gcc-14" is gcc). */
    private static String family(String text) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        return t.contains("clang") ? "clang" : "gcc";
    }
}
