package dev.klp4j.debian;

import dev.klp4j.base.Failure;

import java.nio.file.Path;
import java.util.List;

/**
 * A suite's name as a kernel: {@code --kernel trixie} is the release Debian 13's
 * {@code linux-image-amd64} depends on today, {@code --kernel bookworm} Debian 12's (the host's
 * apt for the host's suite, klp4j's own apt configuration for another). The archive moves them with
 * each kernel update, so a script that says the suite never goes stale.
 */
public final class SuiteKernels {
    private SuiteKernels() {}

    /** {@code name} itself, or the current release of the suite it names. */
    public static String resolve(String name, Path cacheRoot) {
        if (name.isBlank()) {
            throw new Failure("--kernel '" + name + "': give a release (a name as in /lib/modules or linux-image-RELEASE), bookworm, trixie or @FILE");
        }
        for (DebianSuite s : DebianSuite.values()) {
            if (!s.codename().equals(name)) continue;
            if (DebianSuite.host(Path.of("/etc/os-release")).orElse(null) == s) return KernelRelease.defaultRelease();
            List<String> deps = new SuiteArchive(cacheRoot, s).depends("linux-image-amd64");
            return deps.stream().filter(d -> d.startsWith("linux-image-")).map(d -> d.substring("linux-image-".length())).findFirst()
                    .orElseThrow(() -> new Failure(s + "'s linux-image-amd64 depends on no kernel image: " + deps));
        }
        return name;
    }
}
