package dev.klp4j.update;

import dev.klp4j.source.DebianChangelog;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Gives each fix the changelog items that name it. An upstream subject starts with its subsystem
 * ("scsi: qla2xxx: Fix ...", "io_uring/poll: ...", "ext4: ..."): the most specific word that names
 * a directory or file of a fix (ignoring case, '-' and '_') ties the item to it; when none does,
 * the next broader word is tried. An item may name several fixes (all of nfsd's files); one that
 * names none stays unattributed, and its CVE ids are never counted as live patched.
 */
final class ChangelogMatch {
    private ChangelogMatch() {}

    /** The fixes (by id) each item names, for the items that name at least one. */
    static Map<DebianChangelog.Item, List<String>> attribute(List<DebianChangelog.Item> items, List<FixDecision> fixes) {
        Map<DebianChangelog.Item, List<String>> out = new LinkedHashMap<>();
        for (DebianChangelog.Item item : items) {
            List<String> words = item.subsystem();
            for (int i = words.size() - 1; i >= 0; i--) {
                String w = key(words.get(i));
                if (w.length() < 2) continue;
                List<String> named = new ArrayList<>();
                for (FixDecision f : fixes) if (f.files().stream().anyMatch(p -> names(p, w))) named.add(f.id());
                if (!named.isEmpty()) {
                    out.put(item, named);
                    break;
                }
            }
        }
        return out;
    }

    /** The fixes with their items and CVE ids filled in. */
    static List<FixDecision> apply(List<DebianChangelog.Item> items, List<FixDecision> fixes) {
        Map<DebianChangelog.Item, List<String>> named = attribute(items, fixes);
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

    /** True when a directory or the file name (without extension) of {@code path} is the word. */
    private static boolean names(String path, String word) {
        for (String part : path.split("/")) {
            String p = key(part.replaceFirst("\\.[A-Za-z]+$", ""));
            if (p.equals(word)) return true;
            // hid-sony.c is "sony", the driver's own name after its subsystem's prefix
            int dash = part.indexOf('-');
            if (dash > 0 && key(part.substring(dash + 1).replaceFirst("\\.[A-Za-z]+$", "")).equals(word)) return true;
        }
        return false;
    }

    private static String key(String s) {
        return s.toLowerCase(Locale.ROOT).replace('-', '_').replaceAll("^\\[[^]]*]", "");
    }
}
