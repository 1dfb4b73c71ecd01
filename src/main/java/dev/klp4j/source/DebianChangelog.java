package dev.klp4j.source;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Debian changelog (debian/changelog, as linux-source-X.Y carries it in
 * usr/share/doc/.../changelog.Debian.gz), read into its entries and each entry's items. An item
 * is one change as the kernel team listed it: a "* " line, or a "- " line under an upstream
 * stable update, with its continuation lines and the CVE ids it names. klp4j update gives every
 * fix the items that name its files or subsystem.
 */
public final class DebianChangelog {
    private static final Pattern HEADER = Pattern.compile("^(\\S+) \\(([^)]+)\\) ([^;]+);.*$");
    private static final Pattern ITEM = Pattern.compile("^(\\s+)([*-]) (.*)$");
    private static final Pattern CVE = Pattern.compile("CVE-\\d{4}-\\d{4,}");

    /** One version's entry: its items in the order written. */
    public record Entry(String version, String distribution, List<Item> items) {
        public Entry {
            items = List.copyOf(items);
        }
    }

    /** One listed change: its text (continuation lines joined) and the CVE ids it names. */
    public record Item(String version, String text, List<String> cves) {
        public Item {
            cves = List.copyOf(cves);
        }

        /**
         * The subsystem prefix of an upstream commit's subject, split at ':' and '/' ("scsi: qla2xxx:
         * Fix ..." -> [scsi, qla2xxx]); empty when the text has none.
         */
        public List<String> subsystem() {
            List<String> out = new ArrayList<>();
            String rest = text.replaceFirst("^(\\[[^]]+]\\s*)+", ""); // Debian's "[x86] ", "[rt] " tags
            int colon;
            while ((colon = rest.indexOf(": ")) > 0) {
                String head = rest.substring(0, colon).strip();
                // a prefix is one or two words, e.g. "HID: sony", "usb: storage"; a sentence is not
                if (head.isEmpty() || head.split("\\s+").length > 2) break;
                for (String p : head.split("[/\\s]+")) if (!p.isEmpty()) out.add(p);
                rest = rest.substring(colon + 2);
            }
            return out;
        }
    }

    private final List<Entry> entries;

    private DebianChangelog(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    public List<Entry> entries() {
        return entries;
    }

    public static DebianChangelog parse(String text) {
        List<Entry> entries = new ArrayList<>();
        String version = null, dist = null;
        List<Item> items = new ArrayList<>();
        StringBuilder item = null;
        int itemIndent = 0;
        for (String line : text.split("\n", -1)) {
            Matcher h = HEADER.matcher(line);
            if (h.matches()) {
                if (version != null) {
                    flush(item, version, items);
                    entries.add(new Entry(version, dist, items));
                }
                version = h.group(2);
                dist = h.group(3).strip();
                items = new ArrayList<>();
                item = null;
                continue;
            }
            if (version == null) continue;
            if (line.startsWith(" -- ")) { // the trailer: the entry is complete
                flush(item, version, items);
                item = null;
                continue;
            }
            Matcher m = ITEM.matcher(line);
            if (m.matches()) {
                flush(item, version, items);
                item = new StringBuilder(m.group(3).strip());
                itemIndent = m.group(1).length();
                continue;
            }
            String t = line.strip();
            if (item != null && !t.isEmpty() && indent(line) > itemIndent) item.append(' ').append(t);
            else if (t.isEmpty()) { flush(item, version, items); item = null; }
        }
        if (version != null) {
            flush(item, version, items);
            entries.add(new Entry(version, dist, items));
        }
        return new DebianChangelog(entries);
    }

    private static int indent(String line) {
        int i = 0;
        while (i < line.length() && line.charAt(i) == ' ') i++;
        return i;
    }

    private static void flush(StringBuilder item, String version, List<Item> items) {
        if (item == null) return;
        String text = item.toString();
        Set<String> cves = new LinkedHashSet<>();
        Matcher c = CVE.matcher(text);
        while (c.find()) cves.add(c.group());
        items.add(new Item(version, text, new ArrayList<>(cves)));
    }

    /**
     * The items of the entries after {@code from} up to and including {@code to}, newest first
     * ({@code newer.compare(a, b) > 0} when a is the later version).
     */
    public List<Item> between(String from, String to, java.util.Comparator<String> order) {
        List<Item> out = new ArrayList<>();
        for (Entry e : entries) {
            if (order.compare(e.version(), from) > 0 && order.compare(e.version(), to) <= 0) out.addAll(e.items());
        }
        return out;
    }
}
