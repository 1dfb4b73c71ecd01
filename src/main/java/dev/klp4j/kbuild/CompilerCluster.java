package dev.klp4j.kbuild;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A distributed compiler the user has set up (distcc, or icecream, which ships the build root's own
 * compiler to its workers), used as its Debian package means it to be: its masquerade directory
 * (gcc, gcc-12, ... linked to the wrapper) first on the PATH of kbuild's compiles and of their
 * replays, so kbuild's recorded commands and flags stay exactly the kernel's. Which workers take
 * the jobs is the cluster's own configuration (DISTCC_HOSTS or ~/.distcc/hosts; icecream's
 * scheduler); -j is raised to the slots the cluster has.
 */
public enum CompilerCluster {
    DISTCC("distcc", "/usr/lib/distcc", "distcc"),
    ICECREAM("icecream", "/usr/lib/icecc/bin", "icecc");

    private final String id;
    private final String masquerade;
    private final String debianPackage;

    CompilerCluster(String id, String masquerade, String debianPackage) {
        this.id = id;
        this.masquerade = masquerade;
        this.debianPackage = debianPackage;
    }

    public String id() {
        return id;
    }

    /** The cluster named {@code id} ("distcc", "icecream"), or an error naming the choices. */
    public static CompilerCluster of(String id) {
        for (CompilerCluster c : values()) if (c.id.equals(id)) return c;
        throw new Failure("--cluster " + id + ": use distcc or icecream");
    }

    /**
     * The environment of a compile through {@code tools} that goes to this cluster: its masquerade
     * directory first on PATH ({@code base} adds to it, e.g. DISTCC_HOSTS). Fails, naming the
     * package to install, when the masquerade directory is missing where the compiles run (the
     * host, or the build root of the kernel's suite).
     */
    public Map<String, String> environment(Toolchain tools, Map<String, String> base) {
        Path dir = tools.isHost() ? Path.of(masquerade) : tools.root().resolve(masquerade.substring(1));
        if (!Files.isDirectory(dir)) {
            throw new Failure("--cluster " + id + ": " + masquerade + " not found " + (tools.isHost() ? "on this host: apt-get install "
                    + debianPackage : "in the build root " + tools.root() + " (klp4j does not install cluster tools there yet):"
                    + " compile this kernel without --cluster"));
        }
        Map<String, String> env = new LinkedHashMap<>(base);
        String path = env.getOrDefault("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("PATH", masquerade + ":" + path);
        return env;
    }
}
