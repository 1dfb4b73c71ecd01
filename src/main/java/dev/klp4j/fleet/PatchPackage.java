package dev.klp4j.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.klp4j.base.Failure;
import dev.klp4j.kernel.ModuleInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What one live-patch package holds and says: the module of one kernel build, the Debian version
 * of the {@code linux-image-RELEASE} it was built for (a host whose kernel is another build of the
 * same ABI name must not load it), the package's own version (the update's target version, so a
 * later update sorts above and installing the previous version rolls back), and update.json when
 * the module came from {@code klp4j update}. {@code effective} says what a host with the patch is
 * equivalent to ("6.1.192-3 except 2 fixes that need a reboot"); {@code effectiveVersion} is the
 * Debian version alone, for scanners: the update's target, or the build itself for one patch.
 */
public record PatchPackage(String release, String builtFor, String version, Path module, String moduleName,
                           Path updateJson, List<String> cvesLive, List<String> cvesReboot, String effective,
                           String effectiveVersion) {

    /** The package name: {@code klp4j-livepatch-RELEASE}. */
    public String name() {
        return "klp4j-livepatch-" + release;
    }

    /** Where the package puts the module and update.json on a host: a directory of klp4j's own under the release's modules. */
    public static Path installDir(String release) {
        return Path.of("/usr/lib/modules", release, "klp4j");
    }

    /** The .deb's file name, as Debian names it. */
    public String debFileName() {
        // an epoch's colon is not part of a file name
        return name() + "_" + version.substring(version.indexOf(':') + 1) + "_amd64.deb";
    }

    private static final Pattern VERSION = Pattern.compile("[0-9][A-Za-z0-9.+~:-]*");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * Reads {@code input}: an update's output for one release (DIR/RELEASE: one .ko and
     * update.json) or one module (its update.json is read when it lies beside it). {@code builtFor}
     * is needed for a module without update.json; {@code revision} (> 0) makes version {@code V+N}
     * for a rebuild of the same update.
     */
    public static PatchPackage read(Path input, String builtFor, int revision) {
        Path module;
        Path json;
        if (Files.isDirectory(input)) {
            List<Path> kos = modulesIn(input);
            if (kos.isEmpty()) throw new Failure(input + ": no .ko in it: give klp4j update's DIR/RELEASE or a module");
            if (kos.size() > 1) throw new Failure(input + ": " + kos.size() + " modules in it: give the one to package");
            module = kos.get(0);
            json = input.resolve("update.json");
            if (!Files.isRegularFile(json)) throw new Failure(input + ": no update.json in it: give klp4j update's DIR/RELEASE, or the .ko with --built-for");
        } else if (Files.isRegularFile(input) && input.toString().endsWith(".ko")) {
            module = input;
            Path beside = input.toAbsolutePath().getParent().resolve("update.json");
            json = Files.isRegularFile(beside) ? beside : null;
        } else {
            throw new Failure(input + ": neither klp4j update's DIR/RELEASE nor a .ko file");
        }
        ModuleInfo info = ModuleInfo.read(module).requireLivepatch();
        String release = info.vermagicRelease();
        if (release == null) throw new Failure(module + ": has no vermagic; rebuild it with klp4j build");
        if (revision < 0) throw new Failure("--revision must be 0 or more");
        String suffix = revision > 0 ? "+" + revision : "";
        if (json == null) {
            if (builtFor == null) {
                throw new Failure(module + ": no update.json beside it: give --built-for VERSION (the Debian version of linux-image-"
                        + release + " it was built for, as in /proc/version)");
            }
            requireVersion(builtFor, "--built-for");
            return new PatchPackage(release, builtFor, builtFor + "+" + Math.max(1, revision), module, info.name(), null,
                    List.of(), List.of(), builtFor + " with " + info.name(), builtFor);
        }
        JsonNode doc = readJson(json);
        String docRelease = doc.path("release").asText();
        if (!release.equals(docRelease)) {
            throw new Failure(json + ": is for " + docRelease + " but " + module.getFileName() + " was built for " + release
                    + ": give the directory klp4j update wrote for one release");
        }
        if (!doc.path("proven").asBoolean(false)) {
            throw new Failure(json + ": the module was not proven: run klp4j update with --prove before shipping it");
        }
        String from = requireVersion(doc.path("from").asText(null), json + ": from");
        String to = requireVersion(doc.path("to").asText(null), json + ": to");
        if (builtFor != null && !builtFor.equals(from)) {
            throw new Failure("--built-for " + builtFor + " disagrees with " + json + " (from " + from + ")");
        }
        return new PatchPackage(release, from, to + suffix, module, info.name(), json,
                strings(doc.path("cves").path("live_patched")), strings(doc.path("cves").path("needs_reboot")),
                doc.path("effective").asText(to), to);
    }

    private static List<Path> modulesIn(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".ko")).sorted().toList();
        } catch (IOException e) {
            throw new Failure(dir + ": cannot read: " + e.getMessage());
        }
    }

    private static JsonNode readJson(Path json) {
        try {
            return JSON.readTree(json.toFile());
        } catch (IOException e) {
            throw new Failure(json + ": not klp4j update's JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }

    private static String requireVersion(String v, String what) {
        if (v == null || !VERSION.matcher(v).matches()) throw new Failure(what + ": '" + v + "' is not a Debian version (e.g. 6.1.192-1)");
        return v;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }
}
