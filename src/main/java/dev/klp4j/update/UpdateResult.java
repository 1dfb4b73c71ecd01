package dev.klp4j.update;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What {@code klp4j update} did for one release: every fix of the range with its class, the module
 * that carries the live-patched ones (null when none is), and whether it was proven in the VM. A module
 * whose proof failed is no fix: it claims no CVE and leaves the host where it was.
 *
 * @param from      the Debian source version the release was built from
 * @param to        the version caught up to
 * @param unchecked what the proof could not check ("not loadable in this VM, so not checked: kvm_intel"), or null
 */
public record UpdateResult(String release, String from, String to, String module, ProofStatus proof, String unchecked, List<FixDecision> fixes,
                           List<String> unattributedCves, double seconds, boolean permanent) {
    public UpdateResult {
        fixes = List.copyOf(fixes);
        unattributedCves = List.copyOf(unattributedCves);
    }

    /** An update whose module (if any) can be removed again. */
    public UpdateResult(String release, String from, String to, String module, ProofStatus proof, String unchecked, List<FixDecision> fixes,
                        List<String> unattributedCves, double seconds) {
        this(release, from, to, module, proof, unchecked, fixes, unattributedCves, seconds, false);
    }

    public boolean proven() {
        return proof == ProofStatus.PASSED;
    }

    /** Whether loading the module fixes anything: there is one, and its proof (if run) passed. */
    private boolean carries() {
        return module != null && proof != ProofStatus.FAILED;
    }

    public long count(FixStatus s) {
        return fixes.stream().filter(f -> f.status() == s).count();
    }

    /**
     * CVE ids whose every fix is in the module. One named by a fix that needs a reboot, or by no fix
     * klp4j could tell (unattributed), is never among them; none are without a module.
     */
    public List<String> livePatchedCves() {
        if (!carries()) return List.of();
        Set<String> out = new LinkedHashSet<>();
        for (FixDecision f : fixes) if (f.status() == FixStatus.LIVE_PATCHED) out.addAll(f.cves());
        out.removeAll(needsRebootCves());
        return new ArrayList<>(out);
    }

    /** CVE ids of the range that loading the module does not fix: a reboot does. */
    public List<String> needsRebootCves() {
        Set<String> out = new LinkedHashSet<>();
        for (FixDecision f : fixes) {
            if (f.status() == FixStatus.NEEDS_REBOOT || (f.status() == FixStatus.LIVE_PATCHED && !carries())) out.addAll(f.cves());
        }
        out.addAll(unattributedCves);
        return new ArrayList<>(out);
    }

    /** CVE ids whose every fix this kernel does not build or compiles away: the kernel is not affected. */
    public List<String> notAffectedCves() {
        Set<String> out = new LinkedHashSet<>();
        for (FixDecision f : fixes) if (f.status() == FixStatus.NOT_BUILT || f.status() == FixStatus.NO_CHANGE) out.addAll(f.cves());
        out.removeAll(needsRebootCves());
        out.removeAll(livePatchedCves());
        return new ArrayList<>(out);
    }

    /** What the host is once the module is loaded, e.g. "6.1.192-3 except 3 fixes that need a reboot". */
    public String effective() {
        long reboot = count(FixStatus.NEEDS_REBOOT) + (carries() ? 0 : count(FixStatus.LIVE_PATCHED));
        if (reboot == 0) return to;
        if (module == null) return from + " (nothing of " + to + " is live patched)";
        if (!carries()) return from + " (the module's proof failed: nothing of " + to + " is live patched)";
        return to + " except " + reboot + (reboot == 1 ? " fix that needs" : " fixes that need") + " a reboot";
    }

    /** The update.json document (field names as documented in the README). */
    public Map<String, Object> toJson() {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("release", release);
        j.put("from", from);
        j.put("to", to);
        j.put("module", module);
        j.put("proven", proven());
        if (unchecked != null) j.put("unchecked", unchecked);
        // a module that carries changed tables has no exit: disabled or replaced, it stays loaded until the next boot
        j.put("permanent", permanent);
        j.put("effective", effective());
        Map<String, Object> counts = new LinkedHashMap<>();
        for (FixStatus s : FixStatus.values()) counts.put(s.id(), count(s));
        j.put("counts", counts);
        List<Map<String, Object>> fs = new ArrayList<>();
        for (FixDecision f : fixes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", f.id());
            m.put("files", f.files());
            m.put("functions", f.functions());
            m.put("status", f.status().id());
            m.put("reason", f.reason());
            m.put("changelog", f.changelog());
            m.put("cves", f.cves());
            fs.add(m);
        }
        j.put("fixes", fs);
        Map<String, Object> cves = new LinkedHashMap<>();
        cves.put("live_patched", livePatchedCves());
        cves.put("needs_reboot", needsRebootCves());
        cves.put("not_affected", notAffectedCves());
        cves.put("unattributed", unattributedCves);
        j.put("cves", cves);
        j.put("seconds", Math.round(seconds * 10) / 10.0);
        return j;
    }
}
