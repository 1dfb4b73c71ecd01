package dev.klp4j.debian;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Debian releases whose kernels klp4j targets, and how to tell which one a kernel release
 * belongs to: Debian 13 names its releases "6.12.117+deb13-amd64"; Debian 12 "6.1.0-56-amd64"
 * (an ABI number, no suffix).
 */
public enum DebianSuite {
    BOOKWORM("bookworm", 12),
    TRIXIE("trixie", 13);

    private static final Pattern DEB_SUFFIX = Pattern.compile("\\+deb(\\d+)(?:u\\d+)?-");
    private static final Pattern BOOKWORM_ABI = Pattern.compile("^6\\.1\\.0-\\d+-");
    private static final Pattern CODENAME = Pattern.compile("(?m)^VERSION_CODENAME=\"?([a-z]+)\"?");

    private final String codename;
    private final int number;

    DebianSuite(String codename, int number) {
        this.codename = codename;
        this.number = number;
    }

    /** The suite's name in the archive ("trixie"). */
    public String codename() { return codename; }

    /** Its Debian version ("13"). */
    public int number() { return number; }

    /** The suite a kernel release was built for, when its name tells. */
    public static Optional<DebianSuite> ofRelease(String release) {
        Matcher m = DEB_SUFFIX.matcher(release);
        if (m.find()) {
            int n = Integer.parseInt(m.group(1));
            for (DebianSuite s : values()) if (s.number == n) return Optional.of(s);
            return Optional.empty();
        }
        return BOOKWORM_ABI.matcher(release).find() ? Optional.of(BOOKWORM) : Optional.empty();
    }

    /** The suite of the host, read from {@code os-release} (/etc/os-release), when it is one of these. */
    public static Optional<DebianSuite> host(Path osRelease) {
        try {
            Matcher m = CODENAME.matcher(Files.readString(osRelease));
            if (!m.find()) return Optional.empty();
            for (DebianSuite s : values()) if (s.codename.equals(m.group(1))) return Optional.of(s);
            return Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "Debian " + number + " (" + codename + ")";
    }
}
