package dev.klp4j.fleet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;

/**
 * What {@code klp4j status} says and /run/klp4j/status.json holds for scanners: the exact running
 * build, the installed patch and what became of it, and the version the host is equivalent to
 * (the build itself unless the patch is in the kernel).
 */
public record HostStatus(RunningKernel kernel, InstalledPatch patch, ApplyState state, String reason, List<String> livepatches) {

    /** The version a scanner should take this host for. */
    public String effective() {
        if (patch != null && state.inKernel()) return patch.effective();
        return kernel.build() == null ? kernel.release() : kernel.build();
    }

    /** The Debian version alone: the update's target while the patch is in the kernel, else the build. */
    public String effectiveVersion() {
        if (patch != null && state.inKernel()) return patch.effectiveVersion();
        return kernel.build() == null ? kernel.release() : kernel.build();
    }

    public String toJson() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode o = m.createObjectNode();
        o.put("release", kernel.release());
        o.put("build", kernel.build());
        o.put("effective", effective());
        o.put("effective_version", effectiveVersion());
        o.put("state", state.json());
        o.put("reason", reason);
        if (patch != null) {
            ObjectNode p = o.putObject("patch");
            p.put("package", patch.packageName());
            p.put("version", patch.version());
            p.put("module", patch.moduleName());
            p.put("built_for", patch.builtFor());
            ObjectNode c = p.putObject("cves");
            // a CVE counts as fixed only while the patch is in the kernel
            (state.inKernel() ? patch.cvesLive() : List.<String>of()).forEach(c.withArray("live_patched")::add);
            c.withArray("live_patched");
            patch.cvesReboot().forEach(c.withArray("needs_reboot")::add);
            c.withArray("needs_reboot");
            if (!state.inKernel()) patch.cvesLive().forEach(c.withArray("not_applied")::add);
        } else {
            o.putNull("patch");
        }
        livepatches.forEach(o.withArray("livepatches")::add);
        o.withArray("livepatches");
        try {
            return m.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text {@code klp4j status} prints. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("kernel:    ").append(kernel.release()).append(" (Debian ").append(kernel.build() == null ? "build unknown" : kernel.build()).append(")\n");
        if (patch == null) {
            sb.append("patch:     none installed for ").append(kernel.release()).append('\n');
        } else {
            sb.append("patch:     ").append(patch.packageName()).append(' ').append(patch.version()).append(" (module ").append(patch.moduleName()).append(")\n");
            sb.append("state:     ").append(state.json()).append(reason == null ? "" : ": " + reason).append('\n');
            if (state.inKernel() && !patch.cvesLive().isEmpty()) sb.append("CVEs live patched: ").append(String.join(" ", patch.cvesLive())).append('\n');
            if (!patch.cvesReboot().isEmpty()) sb.append("CVEs needing a reboot: ").append(String.join(" ", patch.cvesReboot())).append('\n');
        }
        sb.append("effective: ").append(effective()).append('\n');
        return sb.toString();
    }
}
