package dev.klp4j.pipeline;

import dev.klp4j.source.SourceHunk;
import dev.klp4j.source.UnifiedDiff;
import java.util.List;
import java.util.Map;

/**
 * The patch, checked against the tree: its files, its hunks cut by construct (for the review), and
 * each patched file's text after the patch.
 */
public record PatchedSource(UnifiedDiff diff, List<SourceHunk> hunks, Map<String, String> after) {
    public PatchedSource {
        hunks = List.copyOf(hunks);
        after = Map.copyOf(after);
    }

    /** The part of the patch that changes {@code files} (one fix of a batch). */
    public PatchedSource only(java.util.Collection<String> files) {
        return new PatchedSource(new UnifiedDiff(diff.files().stream().filter(f -> files.contains(f.path())).toList()),
                hunks.stream().filter(h -> files.contains(h.file())).toList(),
                after.entrySet().stream().filter(e -> files.contains(e.getKey()))
                        .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
    }
}
