package dev.klp4j.update;

import java.util.List;

/**
 * What became of one fix, as update.json lists it.
 *
 * @param functions the functions the fix changes or adds (live-patched fixes only)
 * @param reason    why it is not live patched; null when it is
 * @param changelog the changelog items between the two versions that name its files or subsystem
 * @param cves      the CVE ids of those items
 */
public record FixDecision(String id, List<String> files, List<String> functions, FixStatus status, String reason,
                          List<String> changelog, List<String> cves) {
    public FixDecision {
        files = List.copyOf(files);
        functions = List.copyOf(functions);
        changelog = List.copyOf(changelog);
        cves = List.copyOf(cves);
    }

    public FixDecision withStatus(FixStatus s, String why) {
        return new FixDecision(id, files, functions, s, why, changelog, cves);
    }

    public FixDecision withChangelog(List<String> items, List<String> ids) {
        return new FixDecision(id, files, functions, status, reason, items, ids);
    }
}
