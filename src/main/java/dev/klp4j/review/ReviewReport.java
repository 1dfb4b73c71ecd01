package dev.klp4j.review;

import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A review's outcome: how much the patch touches and what was found, worst first.
 *
 * @param hunks     source hunks reviewed
 * @param functions functions the patch replaces or adds
 * @param findings  the findings, worst severity first
 */
public record ReviewReport(int hunks, int functions, List<Finding> findings) {
    /** The verdict: the worst severity found. */
    public enum Verdict {
        SAFE("safe"), INFO("info"), NEEDS_CARE("needs-care"), UNSAFE("unsafe");

        private final String id;

        Verdict(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }
    }

    public ReviewReport {
        findings = findings.stream().sorted(Comparator.comparing(Finding::severity)).toList();
    }

    public Verdict verdict() {
        if (findings.isEmpty()) return Verdict.SAFE;
        return switch (findings.get(0).severity()) {
            case UNSAFE -> Verdict.UNSAFE;
            case NEEDS_CARE -> Verdict.NEEDS_CARE;
            case INFO -> Verdict.INFO;
        };
    }

    /** The unsafe findings whose rule is not in {@code accepted}: what stops a build. */
    public List<Finding> blocking(Set<Rule> accepted) {
        return findings.stream().filter(f -> f.severity() == Severity.UNSAFE && !accepted.contains(f.rule())).toList();
    }

    public Map<Severity, Long> countBySeverity() {
        Map<Severity, Long> out = new EnumMap<>(Severity.class);
        for (Severity s : Severity.values()) out.put(s, findings.stream().filter(f -> f.severity() == s).count());
        return out;
    }

    /** "review: 3 hunk(s), 2 function(s), 1 unsafe, 0 needs-care, 1 info: unsafe". */
    public String summary() {
        Map<Severity, Long> n = countBySeverity();
        return "review: " + hunks + " hunk(s), " + functions + " function(s), " + n.get(Severity.UNSAFE) + " unsafe, "
                + n.get(Severity.NEEDS_CARE) + " needs-care, " + n.get(Severity.INFO) + " info: " + verdict().id();
    }
}
