package dev.klp4j.cli;

import dev.klp4j.base.Failure;
import dev.klp4j.fleet.DebBuilder;
import dev.klp4j.fleet.ModuleSigner;
import dev.klp4j.fleet.PatchPackage;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "package", mixinStandardHelpOptions = true,
        description = {"Make a .deb of a proven live patch: klp4j-livepatch-RELEASE_VERSION_amd64.deb.",
                "It depends on the exact linux-image build the patch is for, installs the module and update.json"
                        + " under /usr/lib/modules/RELEASE/klp4j/, and applies the patch on install when the host"
                        + " runs that build (klp4j.service applies it at boot)."})
final class PackageCommand implements Runnable {
    @Parameters(paramLabel = "DIR/RELEASE|X.ko", description = "klp4j update's output for one release (its module and"
            + " update.json), or one module (with --built-for unless update.json lies beside it).")
    Path input;
    @Option(names = {"-o", "--output"}, paramLabel = "DIR", defaultValue = ".", description = "Where to write the .deb (default: the current directory).")
    Path outDir;
    @Option(names = "--sign-key", paramLabel = "KEY", description = "Sign the module with this private key (kbuild's sign-file, sha256).")
    Path signKey;
    @Option(names = "--sign-cert", paramLabel = "CERT", description = "The X.509 certificate of --sign-key (PEM or DER), the one hosts enroll (mokutil --import).")
    Path signCert;
    @Option(names = "--built-for", paramLabel = "VERSION", description = "The Debian version of the linux-image the module was"
            + " built for (as /proc/version says it, e.g. 6.1.192-1); read from update.json when there is one.")
    String builtFor;
    @Option(names = "--revision", paramLabel = "N", defaultValue = "0", description = "A rebuild of the same update: version VERSION+N.")
    int revision;
    @Option(names = "--maintainer", paramLabel = "NAME <MAIL>", defaultValue = "klp4j <root@localhost>",
            description = "The package's Maintainer field (default: ${DEFAULT-VALUE}).")
    String maintainer;
    @Spec CommandSpec spec;

    @Override
    public void run() {
        if ((signKey == null) != (signCert == null)) throw new UserError("--sign-key and --sign-cert go together: give both, or neither for an unsigned module");
        InputFiles.requireWritableDir("-o", outDir);
        try {
            PatchPackage p = PatchPackage.read(input, builtFor, revision);
            ModuleSigner signer = signKey == null ? null : ModuleSigner.of(signKey, signCert, p.release(), Path.of("/"));
            java.nio.file.Files.createDirectories(outDir);
            Path deb = DebBuilder.build(p, signer, maintainer, outDir);
            spec.commandLine().getOut().println("wrote " + deb + " (" + p.name() + " " + p.version() + ", for linux-image-"
                    + p.release() + " " + p.builtFor() + (signer == null ? ", unsigned" : ", signed") + ")");
        } catch (Failure e) {
            throw new UserError(ExitStatus.ofBuild(e.kind()), e.getMessage());
        } catch (java.io.IOException e) {
            throw new UserError(ExitStatus.INPUT, "-o " + outDir + ": " + e.getMessage());
        }
    }
}
