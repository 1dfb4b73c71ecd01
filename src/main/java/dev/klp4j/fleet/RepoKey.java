package dev.klp4j.fleet;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Failure;
import dev.klp4j.base.Toolchain;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * The gpg key an apt repository is signed with: the operator's (a key id in their keyring), or
 * one klp4j makes on first use in a home of its own (ed25519, signing only, no passphrase: the
 * repository is signed unattended; keep that directory as private as the key).
 */
public final class RepoKey {
    private final Path home;
    private final String id;

    private RepoKey(Path home, String id) {
        this.home = home;
        this.id = id;
    }

    /** The operator's key {@code id} in {@code home} (null: gpg's own, $GNUPGHOME or ~/.gnupg). */
    public static RepoKey operator(Path home, String id) {
        RepoKey k = new RepoKey(home, id);
        if (k.secretKeys().isEmpty()) throw new Failure("gpg has no secret key '" + id + "'" + (home == null ? "" : " in " + home)
                + ": give a key of 'gpg --list-secret-keys', or leave --gpg-key out and klp4j makes one");
        return k;
    }

    /** klp4j's own key in {@code home}, made there the first time. */
    public static RepoKey own(Path home) {
        try {
            if (!Files.isDirectory(home)) {
                Files.createDirectories(home.getParent());
                Files.createDirectory(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            }
        } catch (IOException e) {
            throw new Failure(home + ": cannot make the repository key's directory: " + e.getMessage());
        }
        RepoKey probe = new RepoKey(home, null);
        List<String> keys = probe.secretKeys();
        if (keys.isEmpty()) {
            Exec.check(null, probe.gpg("--passphrase", "", "--quick-generate-key", "klp4j apt repository", "ed25519", "sign", "never"),
                    "gpg --quick-generate-key");
            keys = probe.secretKeys();
        }
        return new RepoKey(home, keys.get(0));
    }

    public String id() {
        return id;
    }

    /** Writes the public key, ASCII-armored, to {@code file}: what hosts name in {@code deb [signed-by=...]}. */
    public void exportPublicKey(Path file) {
        Exec.check(null, gpg("--armor", "--output", file.toString(), "--export", id), "gpg --export");
    }

    /** Signs {@code release}: InRelease (clear-signed) and Release.gpg (detached) beside it. */
    public void sign(Path release) {
        Path dir = release.getParent();
        Exec.check(null, gpg("--local-user", id, "--digest-algo", "SHA512", "--clearsign", "--output", dir.resolve("InRelease").toString(), release.toString()), "gpg --clearsign");
        Exec.check(null, gpg("--local-user", id, "--digest-algo", "SHA512", "--armor", "--detach-sign", "--output", dir.resolve("Release.gpg").toString(), release.toString()), "gpg --detach-sign");
    }

    /** Fingerprints of the secret keys {@code id} names (all of the home's without one). */
    private List<String> secretKeys() {
        List<String> cmd = gpg("--with-colons", "--list-secret-keys");
        if (id != null) cmd.add(id);
        Toolchain.Result r = Exec.run(null, cmd);
        List<String> out = new ArrayList<>();
        if (!r.ok()) return out;
        boolean next = false;
        for (String l : r.output().split("\n")) {
            if (l.startsWith("sec:")) next = true;
            else if (next && l.startsWith("fpr:")) {
                out.add(l.split(":")[9]);
                next = false;
            }
        }
        return out;
    }

    private List<String> gpg(String... args) {
        List<String> cmd = new ArrayList<>(List.of("gpg", "--batch", "--yes", "--pinentry-mode", "loopback"));
        if (home != null) cmd.addAll(List.of("--homedir", home.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }
}
