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
}
