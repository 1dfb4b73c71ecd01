package dev.klp4j.fleet;

import dev.klp4j.base.Exec;
import dev.klp4j.base.Toolchain;
import dev.klp4j.runtime.SysRoot;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether the kernel has the key a module was signed with, asked before insmod: /proc/keys shows
 * root every asymmetric key the kernel holds as "asymmetri SIGNER: KEYID: X509...", and the
 * module's signature names its signer (kmod's modinfo reads it). Only a definite answer counts:
 * when /proc/keys shows no asymmetric key at all (not root, or another kernel's format), or the
 * module's signer cannot be read, insmod decides and its refusal is reported instead.
 */
final class KernelKeys {
    private KernelKeys() {}

    /** The signer of {@code module} when the kernel visibly holds no key of that name; else empty. */
    static Optional<String> untrustedSigner(Path procKeys, Path module) {
        List<String> keys = SysRoot.readAll(procKeys).lines().filter(l -> l.contains(" asymmetri ")).toList();
        if (keys.isEmpty()) return Optional.empty();
        Toolchain.Result r = Exec.run(null, List.of("modinfo", "-F", "signer", module.toString()));
        String signer = r.ok() ? r.output().strip() : "";
        if (signer.isEmpty() || signer.contains("\n")) return Optional.empty();
        for (String k : keys) {
            String description = k.substring(k.indexOf(" asymmetri ") + " asymmetri ".length());
            if (description.startsWith(signer + ": ")) return Optional.empty();
        }
        return Optional.of(signer);
    }
}
