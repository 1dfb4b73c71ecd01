package dev.klp4j.kernel;

import dev.klp4j.base.Failure;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where a Debian kernel release keeps its files on the host: {@code /boot/vmlinuz-R},
 * {@code /boot/System.map-R}, {@code /boot/config-R}, {@code /lib/modules/R} and its kbuild tree.
 */
public record KernelTree(String release, Path vmlinuz, Path systemMap, Path config, Path modulesDir) {

    public static KernelTree of(String release) {
        return of(release, Path.of("/"));
    }

    /** The tree under {@code root} (tests pass a temp dir), without checking it exists. */
    public static KernelTree of(String release, Path root) {
        return new KernelTree(release, root.resolve("boot/vmlinuz-" + release),
                root.resolve("boot/System.map-" + release), root.resolve("boot/config-" + release),
                root.resolve("lib/modules/" + release));
    }

    /** The kbuild directory: {@code /lib/modules/R/build}, else {@code /usr/src/linux-headers-R}. */
    public Path buildDir() {
        Path build = modulesDir.resolve("build");
        if (Files.isDirectory(build)) return build;
        Path headers = modulesDir.getParent().getParent().getParent().resolve("usr/src/linux-headers-" + release);
        return Files.isDirectory(headers) ? headers : build;
    }

    /** Throws unless the files a VM boot needs are there. */
    public KernelTree requireBootable() {
        if (!Files.isRegularFile(vmlinuz)) {
            throw new Failure(vmlinuz + ": no such file; install linux-image-" + release
                    + " (scripts/install-deps.sh kernel) or pick another --kernel");
        }
        if (!Files.isRegularFile(modulesDir.resolve("modules.dep"))) {
            throw new Failure(modulesDir + "/modules.dep: no such file; install linux-image-" + release
                    + " or run depmod " + release);
        }
        return this;
    }

    /** Throws unless the kbuild tree to build modules against is there. */
    public Path requireBuildDir() {
        Path b = buildDir();
        if (!Files.isRegularFile(b.resolve("Makefile"))) {
            throw new Failure(b + ": no kbuild tree; install linux-headers-" + release
                    + " (scripts/install-deps.sh kernel)");
        }
        return b;
    }
}
