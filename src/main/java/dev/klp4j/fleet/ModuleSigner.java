package dev.klp4j.fleet;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Signs a module as kbuild does, with kbuild's own sign-file (Debian's linux-kbuild-X.Y package):
 * under Secure Boot, Debian's kernels lock down and refuse an unsigned module, and a host trusts
 * the operator's certificate once it is enrolled (mokutil --import). The key is checked against the
 * certificate first: sign-file would sign with a mismatched pair, and the kernel would then reject
 * the module on every host with only "Key was rejected by service".
 */
public final class ModuleSigner {
    /** Debian's kernels: CONFIG_MODULE_SIG_HASH="sha256". */
    static final String HASH = "sha256";

    private final Path signFile;
    private final Path key;
    private final Path cert;

    private ModuleSigner(Path signFile, Path key, Path cert) {
        this.signFile = signFile;
        this.key = key;
        this.cert = cert;
    }

    /** A signer for modules of {@code release} (e.g. 6.1.0-57-amd64), its key and certificate checked. */
    public static ModuleSigner of(Path key, Path cert, String release, Path root) {
        for (Path p : List.of(key, cert)) {
            if (!Files.isRegularFile(p) || !Files.isReadable(p)) throw new Failure(p + ": no such readable file (give the signing key and its X.509 certificate)");
        }
        String keyPub = publicKey(List.of("openssl", "pkey", "-in", key.toString(), "-pubout"), key + ": not a private key openssl can read");
        String certPub = certificatePublicKey(cert);
        if (!keyPub.equals(certPub)) {
            throw new Failure(key + " does not match " + cert + ": give the private key the certificate was made from");
        }
        return new ModuleSigner(signFile(release, root), key, cert);
    }

    /** Signs {@code module} in place. */
    public void sign(Path module) {
        Exec.check(null, List.of(signFile.toString(), HASH, key.toString(), cert.toString(), module.toString()), "sign-file");
    }

    public Path signFile() {
        return signFile;
    }

    private static String certificatePublicKey(Path cert) {
        // sign-file takes a PEM or a DER certificate (Debian's MOK tooling makes DER .der files)
        for (String form : List.of("PEM", "DER")) {
            Toolchain.Result r = Exec.run(null, List.of("openssl", "x509", "-inform", form, "-in", cert.toString(), "-noout", "-pubkey"));
            if (r.ok()) return r.output().strip();
        }
        throw new Failure(cert + ": not an X.509 certificate (PEM or DER)");
    }

    private static String publicKey(List<String> command, String error) {
        Toolchain.Result r = Exec.run(null, command);
        if (!r.ok()) throw new Failure(error);
        return r.output().strip();
    }

    /**
     * kbuild's sign-file for {@code release}'s series ({@code /usr/lib/linux-kbuild-6.1/scripts/sign-file}
     * for 6.1.0-57-amd64), else the newest installed one: its output format has not changed across
     * the series Debian ships.
     */
    static Path signFile(String release, Path root) {
        String series = release.replaceFirst("^(\\d+\\.\\d+).*", "$1");
        Path lib = root.resolve("usr/lib");
        Path own = lib.resolve("linux-kbuild-" + series).resolve("scripts/sign-file");
        if (Files.isExecutable(own)) return own;
        List<Path> any = new ArrayList<>();
        if (Files.isDirectory(lib)) {
            try (Stream<Path> s = Files.list(lib)) {
                s.filter(p -> p.getFileName().toString().startsWith("linux-kbuild-"))
                        .map(p -> p.resolve("scripts/sign-file")).filter(Files::isExecutable).forEach(any::add);
            } catch (IOException e) {
                throw new Failure(lib + ": cannot read: " + e.getMessage());
            }
        }
        return any.stream().max(Comparator.comparing(Path::toString)).orElseThrow(() ->
                new Failure("no sign-file: install linux-kbuild-" + series + " (kbuild's sign-file signs the module)"));
    }
}
