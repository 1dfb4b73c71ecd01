package dev.klp4j.kernel;


import dev.klp4j.base.Toolchain;
import java.nio.file.Path;
import java.util.List;

/**
 * The kernel a patch is built for: its release and where its files are (TargetResolver
 * finds them). The files of the release itself are {@link #files()}, as the VM boots them.
 *
 * @param sourceTarball the linux-source tarball to unpack, or null when {@code sourceDir} is set
 * @param sourceDir     a source tree given with -s, or null
 * @param vmlinuz       the kernel image; its kallsyms tables stand in for a missing System.map
 * @param symbolsGiven  true when the user named the symbol map (--symbols)
 * @param kbuildDir     the target's kbuild directory (/lib/modules/REL/build), to build the patch module
 * @param modulesDir    /lib/modules/REL: modules.order, modules.builtin and the modules themselves
 * @param imageVersion  package versions, null when not from packages
 * @param toolchain     where this kernel's objects and modules are compiled: the host, or a build root of its suite
 * @param warnings      notes worth showing the user (e.g. a version mismatch that was overridden)
 */
public record KernelTarget(String release, Path sourceTarball, Path sourceDir, Path config, Path systemMap, Path vmlinuz,
                           boolean symbolsGiven, Path symvers, Path kbuildDir, Path modulesDir, String imageVersion,
                           String sourceVersion, Toolchain toolchain, List<String> warnings) {

    /** The release's own files (image, map, config, modules), as a VM boots them. */
    public KernelTree files() {
        return new KernelTree(release, vmlinuz, systemMap, config, modulesDir);
    }

    /** A key naming this exact kernel + source + config, for the source-tree cache's stamp. */
    public String identity() {
        return "release=" + release + "\nsource=" + (sourceDir != null ? sourceDir : sourceTarball)
                + "\nsourceVersion=" + sourceVersion + "\nimageVersion=" + imageVersion + "\nconfig=" + config + "\n";
    }
}
