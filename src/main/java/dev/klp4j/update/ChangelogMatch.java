package dev.klp4j.update;

import dev.klp4j.source.DebianChangelog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Gives each fix the changelog items that name it. An upstream subject starts with its subsystem
 * ("scsi: qla2xxx: Fix ...", "io_uring/poll: ...", "thermal/drivers/rcar: ..."): its first word that
 * is a directory or file name of some fixes (ignoring case, '-' and '_') picks them, and each later
 * word narrows them to those it names, also by a file name's head or tail (rcar_thermal.c), or names
 * the fix elsewhere when it names none of them. Words every subsystem uses ("core", "drivers")
 * narrow nothing: "RDMA/core" is not Bluetooth's rfcomm/core.c. A function the subject names
 * ("... in scsi_eh_lock_door()") picks the fixes that change it, within the subsystem's when both
 * agree, else both. An item that still names more than {@link #AT_MOST} fixes ("net: xps: ...")
 * says too little to tell which, and stays unattributed, as does one that names none: their CVE
 * ids are never counted as live patched. A CVE is live patched only when every fix its items name
 * is, so a narrower choice must still hold the true fix: it narrows only by the names the fix's
 * own paths or changed functions carry.
 */
final class ChangelogMatch {
    private ChangelogMatch() {}

    /** More fixes than this for one item: the item does not say which of them it is. */
    static final int AT_MOST = 24;

    /** Subsystem words that name a directory in many subsystems, or the tree's top level: not which subsystem. */
    private static final Set<String> GENERIC = Set.of("core", "drivers", "driver", "common", "main", "base", "lib", "misc", "utils",
            "util", "host", "hw", "dev", "generic", "include", "linux", "uapi", "arch", "kernel");

    /** Subsystem prefixes whose directory has another name. */
    private static final Map<String, String> DIRECTORY = Map.of("rdma", "infiniband", "ib", "infiniband", "alsa", "sound",
            "asoc", "soc", "perf", "events", "wifi", "wireless");

    /** Identifiers a subject names: a call "f()" or a name with an underscore. */
    private static final Pattern IDENTIFIER = Pattern.compile("\\b([A-Za-z_]\\w*)(\\(\\))?");

    /**
     * The fixes (by id) each item names, for the items that name at least one and at most
     * {@link #AT_MOST}; {@code changes} gives the functions a fix changes.
     */
    static Map<DebianChangelog.Item, List<String>> attribute(List<DebianChangelog.Item> items, List<FixDecision> fixes,
                                                             Function<FixDecision, Set<String>> changes) {
        Map<DebianChangelog.Item, List<String>> out = new LinkedHashMap<>();
        Map<String, PathNames> pathNames = new java.util.HashMap<>();
        for (FixDecision f : fixes) for (String p : f.files()) pathNames.computeIfAbsent(p, PathNames::of);
        Map<String, Set<String>> changed = new java.util.HashMap<>();
        for (DebianChangelog.Item item : items) {
            List<FixDecision> named = null;
            for (String word : item.subsystem()) {
                String w = key(word);
                if (w.length() < 2 || GENERIC.contains(w)) continue;
                String dir = DIRECTORY.getOrDefault(w, w);
                Predicate<FixDecision> exact = f -> f.files().stream().anyMatch(p -> pathNames.get(p).exact().contains(w)
                        || pathNames.get(p).exact().contains(dir));
                Predicate<FixDecision> within = f -> f.files().stream().anyMatch(p -> pathNames.get(p).within().contains(w));
                List<FixDecision> narrower;
                if (named == null) {
                    // What a subsystem is, only a directory or file of its own name says ("cifs" is not cifs_debug.c).
                    narrower = fixes.stream().filter(exact).toList();
                } else {
                    narrower = named.stream().filter(exact.or(within)).toList();
                    // A word that names nothing under the broader one may name the fix elsewhere
                    // ("wifi: mac80211:" is net/mac80211, not drivers/net/wireless): it is the more specific.
                    if (narrower.isEmpty()) narrower = fixes.stream().filter(exact).toList();
                }
                if (!narrower.isEmpty()) named = narrower;
            }
            Set<String> functions = functionsNamed(item);
            List<FixDecision> changing = functions.isEmpty() ? List.of() : fixes.stream().filter(f -> {
                Set<String> c = changed.computeIfAbsent(f.id(), k -> changes.apply(f));
                return functions.stream().anyMatch(c::contains);
            }).toList();
            if (!changing.isEmpty()) {
                // The subsystem's fixes that change what the subject names; when its words name other
                // fixes than those, both ("cifs: ... in cifs_remap_file_range()" is cifsfs.c).
                List<FixDecision> both = named == null ? changing : named.stream().filter(changing::contains).toList();
                if (both.isEmpty()) {
                    Set<FixDecision> union = new LinkedHashSet<>(named);
                    union.addAll(changing);
                    both = new ArrayList<>(union);
                }
                named = both;
            }
            if (named != null && named.size() <= AT_MOST) out.put(item, named.stream().map(FixDecision::id).toList());
        }
        return out;
    }

    /** The fixes with their items and CVE ids filled in. */
    static List<FixDecision> apply(List<DebianChangelog.Item> items, List<FixDecision> fixes, Function<FixDecision, Set<String>> changes) {
        Map<DebianChangelog.Item, List<String>> named = attribute(items, fixes, changes);
        List<FixDecision> out = new ArrayList<>();
        for (FixDecision f : fixes) {
            List<String> texts = new ArrayList<>();
            Set<String> cves = new LinkedHashSet<>();
            named.forEach((item, ids) -> {
                if (ids.contains(f.id())) {
                    texts.add(item.version() + ": " + item.text());
                    cves.addAll(item.cves());
                }
            });
            out.add(f.withChangelog(texts, new ArrayList<>(cves)));
        }
        return out;
    }

    /** The C identifiers the subject names after its subsystem prefix: "f()" or a name with '_' (CVE ids taken out first). */
    static Set<String> functionsNamed(DebianChangelog.Item item) {
        Set<String> out = new LinkedHashSet<>();
        String text = item.text().replaceAll("\\(CVE-[\\d-]+\\)", "");
        int colon = text.lastIndexOf(": ");
        Matcher m = IDENTIFIER.matcher(colon < 0 ? text : text.substring(colon + 2));
        while (m.find()) {
            String id = m.group(1);
            if (m.group(2) != null || (id.contains("_") && id.length() > 3)) out.add(id);
        }
        return out;
    }

    /**
     * The words that name a path: {@code exact}, each directory, the file name without its
     * extension and what follows its first '-' (hid-sony.c is "sony", the driver's own name after
     * its subsystem's prefix); {@code within} a subsystem, also the file name's '_'-separated heads
     * and tails (rcar_thermal.c and rcar_gen3_thermal.c are "rcar"; patch_realtek.c is "realtek").
     */
    private record PathNames(Set<String> exact, Set<String> within) {
        static PathNames of(String path) {
            Set<String> exact = new java.util.HashSet<>(), within = new java.util.HashSet<>();
            String[] parts = path.split("/");
            for (String part : parts) {
                exact.add(key(part.replaceFirst("\\.[A-Za-z]+$", "")));
                int dash = part.indexOf('-');
                if (dash > 0) exact.add(key(part.substring(dash + 1).replaceFirst("\\.[A-Za-z]+$", "")));
            }
            String file = key(parts[parts.length - 1].replaceFirst("\\.[A-Za-z]+$", ""));
            for (int u = file.indexOf('_'); u > 0; u = file.indexOf('_', u + 1)) {
                within.add(file.substring(0, u));
                within.add(file.substring(u + 1));
            }
            return new PathNames(exact, within);
        }
    }

    private static String key(String s) {
        return s.toLowerCase(Locale.ROOT).replace('-', '_').replaceAll("^\\[[^]]*]", "");
    }
}
