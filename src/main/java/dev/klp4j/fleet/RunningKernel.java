package dev.klp4j.fleet;

import dev.klp4j.runtime.SysRoot;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The kernel this host runs, as exactly as Debian says it: the ABI name ({@code uname -r}) is shared
 * by several builds, the build's Debian version is in /proc/version ("... Debian 6.1.192-1 (date)").
 */
public record RunningKernel(String release, String build, String cmdline, String bootId) {

    // the last "Debian V": the compiler's own version ("gcc-12 (Debian 12.2.0-14)") comes first
    private static final Pattern BUILD = Pattern.compile(".*Debian ([0-9][A-Za-z0-9.+~:-]*)", Pattern.DOTALL);

    public static RunningKernel of(SysRoot sys) {
        String version = SysRoot.readAll(sys.proc().resolve("version"));
        Matcher m = BUILD.matcher(version);
        return new RunningKernel(sys.release(), m.find() ? m.group(1) : null,
                SysRoot.read(sys.proc().resolve("cmdline")).orElse(""),
                SysRoot.read(sys.proc().resolve("sys/kernel/random/boot_id")).orElse(""));
    }

    /** {@code klp4j.disable=1} on the kernel command line. */
    public boolean disabledOnCommandLine() {
        return Arrays.asList(cmdline.split("\\s+")).contains("klp4j.disable=1");
    }
}
