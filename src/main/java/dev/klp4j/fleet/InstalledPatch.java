package dev.klp4j.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.klp4j.base.Failure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A klp4j-livepatch package as installed on a host: {@code /usr/lib/modules/RELEASE/klp4j/} holds
 * the module, update.json (when it came from klp4j update) and package.json, what the package says
 * of itself (written by {@link DebBuilder}; read by apply and status without dpkg).
 */
public record InstalledPatch(String packageName, String version, String release, String builtFor, Path module,
                             String moduleName, String effective, String effectiveVersion, List<String> cvesLive,
                             List<String> cvesReboot) {
    static final String FILE = "package.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** package.json's text for {@code p} (the module's name as installed: MODULE.ko beside it). */
    static String describe(PatchPackage p) {
        ObjectNode o = JSON.createObjectNode();
        o.put("package", p.name());
        o.put("version", p.version());
        o.put("release", p.release());
        o.put("built_for", p.builtFor());
        o.put("module", p.moduleName());
        o.put("effective", p.effective());
        o.put("effective_version", p.effectiveVersion());
        p.cvesLive().forEach(o.withArray("cves_live_patched")::add);
        p.cvesReboot().forEach(o.withArray("cves_needs_reboot")::add);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The patch installed for {@code release} under {@code root} ("/" on a host), if any. */
    public static Optional<InstalledPatch> find(Path root, String release) {
        Path dir = root.resolve(PatchPackage.installDir(release).toString().substring(1));
        Path desc = dir.resolve(FILE);
        if (!Files.isRegularFile(desc)) return Optional.empty();
        try {
            JsonNode o = JSON.readTree(desc.toFile());
            String module = o.path("module").asText();
            return Optional.of(new InstalledPatch(o.path("package").asText(), o.path("version").asText(), o.path("release").asText(),
                    o.path("built_for").asText(), dir.resolve(module + ".ko"), module, o.path("effective").asText(),
                    o.path("effective_version").asText(o.path("built_for").asText()),
                    strings(o.path("cves_live_patched")), strings(o.path("cves_needs_reboot"))));
        } catch (IOException e) {
            throw new Failure(desc + ": unreadable (" + e.getMessage().lines().findFirst().orElse("") + "): reinstall the package");
        }
    }

    private static List<String> strings(JsonNode a) {
        List<String> out = new ArrayList<>();
        a.forEach(n -> out.add(n.asText()));
        return List.copyOf(out);
    }
}
