package dev.klp4j.fleet;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.base.FileDigest;
import dev.klp4j.base.FileTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Makes the .deb of a {@link PatchPackage} with dpkg-deb: the (signed) module and update.json under
 * {@link PatchPackage#installDir}, a control file whose Depends pins the exact kernel build, and a
 * postinst that applies the patch when the host runs that build. Written whole or not at all.
 */
public final class DebBuilder {
    private DebBuilder() {}

    /** The control file's text. */
    public static String control(PatchPackage p, String maintainer) {
        StringBuilder sb = new StringBuilder();
        sb.append("Package: ").append(p.name()).append('\n');
        sb.append("Version: ").append(p.version()).append('\n');
        sb.append("Architecture: amd64\n");
        sb.append("Maintainer: ").append(maintainer).append('\n');
        sb.append("Depends: klp4j, linux-image-").append(p.release()).append(" (= ").append(p.builtFor()).append(")\n");
        sb.append("Section: kernel\n");
        sb.append("Priority: optional\n");
        sb.append("Description: live patch for Linux ").append(p.release()).append(" (Debian ").append(p.builtFor()).append(")\n");
        sb.append(" Loaded by klp4j when the host runs exactly that kernel build: the host is then\n");
        sb.append(" equivalent to ").append(p.effective()).append(".\n");
        if (!p.cvesLive().isEmpty()) sb.append(" .\n CVEs live patched: ").append(String.join(" ", p.cvesLive())).append('\n');
        if (!p.cvesReboot().isEmpty()) sb.append(" .\n CVEs that still need a reboot: ").append(String.join(" ", p.cvesReboot())).append('\n');
        return sb.toString();
    }

    /**
     * The postinst: after unpacking, {@code klp4j apply} loads the patch of the running kernel
     * (with replace, so a newer or an older version takes over from the loaded one) when it is
     * exactly the build the patch is for, under the crash guard. A patch that does not load leaves
     * the package installed: the next boot tries again, and {@code klp4j status} says why.
     */
    public static String postinst(PatchPackage p) {
        return "#!/bin/sh\n"
                + "# " + p.name() + " " + p.version() + ": apply the live patch now if this host runs the kernel build it is for.\n"
                + "set -e\n"
                + "if [ \"$1\" = configure ] && [ -x /usr/bin/klp4j ]; then\n"
                + "    klp4j apply || echo \"" + p.name() + ": not applied now (see 'klp4j status')\" >&2\n"
                + "fi\n"
                + "exit 0\n";
    }

    /** Builds the package from {@code p} into {@code outDir}; returns the .deb. */
    public static Path build(PatchPackage p, ModuleSigner signer, String maintainer, Path outDir) {
        Path deb = outDir.resolve(p.debFileName());
        Path stage = null;
        try {
            stage = Files.createTempDirectory(outDir, ".klp4j-deb-");
            Path dir = stage.resolve(PatchPackage.installDir(p.release()).toString().substring(1));
            Files.createDirectories(dir);
            Path ko = dir.resolve(p.moduleName() + ".ko");
            Files.copy(p.module(), ko, StandardCopyOption.REPLACE_EXISTING);
            if (signer != null) signer.sign(ko);
            if (p.updateJson() != null) Files.copy(p.updateJson(), dir.resolve("update.json"), StandardCopyOption.REPLACE_EXISTING);
            Files.writeString(dir.resolve(InstalledPatch.FILE), InstalledPatch.describe(p));
            for (Path f : List.of(ko, dir.resolve("update.json"), dir.resolve(InstalledPatch.FILE))) {
                if (Files.exists(f)) Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
            String sums = md5sums(stage); // of the payload only: before DEBIAN/ exists
            Path debian = Files.createDirectories(stage.resolve("DEBIAN"));
            Files.writeString(debian.resolve("control"), control(p, maintainer));
            Files.writeString(debian.resolve("md5sums"), sums);
            Files.writeString(debian.resolve("postinst"), postinst(p));
            Files.setPosixFilePermissions(debian.resolve("postinst"), PosixFilePermissions.fromString("rwxr-xr-x"));
            // dpkg-deb refuses group- or world-writable control directories (a umask of 002)
            try (Stream<Path> s = Files.walk(stage)) {
                for (Path d : s.filter(Files::isDirectory).toList()) Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Path tmp = outDir.resolve("." + p.debFileName() + ".tmp");
            Exec.check(null, List.of("dpkg-deb", "--root-owner-group", "-Zxz", "--build", stage.toString(), tmp.toString()), "dpkg-deb --build");
            Files.move(tmp, deb, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return deb;
        } catch (IOException e) {
            throw new Failure(Failure.Kind.TOOL, "cannot make " + deb + ": " + e.getMessage());
        } finally {
            if (stage != null) FileTrees.deleteQuietly(stage);
        }
    }

    private static String md5sums(Path stage) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> s = Files.walk(stage)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                lines.add(md5(f) + "  " + stage.relativize(f));
            }
        }
        return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
    }

    private static String md5(Path f) throws IOException {
        return FileDigest.hex(f, "MD5");
    }
}
