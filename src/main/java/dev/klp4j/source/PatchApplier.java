package dev.klp4j.source;

import dev.klp4j.base.Toolchain;

import dev.klp4j.base.FileTrees;

import dev.klp4j.base.Failure;
import dev.klp4j.base.Exec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Applies a unified diff to the source tree with {@code patch -p1}, and takes it back out.
 *
 * <p>Before touching the tree it checks the whole patch with {@code --dry-run}, so a patch that
 * does not apply leaves the tree as it was and the error names the file and the failing hunk. The
 * files it will change are first copied to a journal directory; {@link #revert()} (or, after a
 * crash, {@link #recover(Path, Path)}) puts them back, so the cached tree is always the pristine
 * source when no build is running.
 */
public final class PatchApplier {
    private final Path tree;
    private final Path journal;
    private final UnifiedDiff diff;
    private final Path patchFile;
    /** The patch as read once: a file that changes during the build (an editor saving) cannot make the two sides differ. */
    private final byte[] content;
    private boolean applied;

    public PatchApplier(Path tree, Path journal, Path patchFile) {
        this.tree = tree;
        this.journal = journal;
        this.patchFile = patchFile;
        try {
            this.content = Files.readAllBytes(patchFile);
            this.diff = UnifiedDiff.parse(new String(content, java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new Failure(patchFile + ": cannot read: " + e.getMessage());
        }
        if (diff.files().isEmpty()) throw new Failure(patchFile + ": not a unified diff (no '--- a/FILE' / '+++ b/FILE' lines)");
    }

    public UnifiedDiff diff() { return diff; }

    /** Checks that the whole patch applies (patch --dry-run), changing nothing. */
    public void check() {
        recover(tree, journal);
        Toolchain.Result dry = runPatch(true, content);
        if (!dry.ok()) throw new Failure(describeFailure(dry.output()));
    }

    /** Checks that the patch applies, then applies it. */
    public void apply() {
        apply(content, diff.files());
    }

    /**
     * Applies only the part of the patch that changes {@code files}: a batch of an update's fixes
     * compiles its objects without the fixes it has already decided or taken out, so that their
     * changes do not reach the objects of the others.
     */
    public void apply(java.util.Collection<String> files) {
        byte[] part = UnifiedDiff.only(new String(content, java.nio.charset.StandardCharsets.ISO_8859_1), files)
                .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        List<UnifiedDiff.FilePatch> changed = diff.files().stream().filter(f -> files.contains(f.path())).toList();
        if (changed.isEmpty()) return;
        apply(part, changed);
    }

    private void apply(byte[] patch, List<UnifiedDiff.FilePatch> changed) {
        recover(tree, journal);
        Toolchain.Result dry = runPatch(true, patch);
        if (!dry.ok()) throw new Failure(describeFailure(dry.output()));
        try {
            Files.createDirectories(journal.resolve("files"));
            StringBuilder list = new StringBuilder();
            for (UnifiedDiff.FilePatch f : changed) {
                Path src = tree.resolve(f.path());
                if (Files.exists(src)) {
                    Path backup = journal.resolve("files").resolve(f.path());
                    Files.createDirectories(backup.getParent());
                    Files.copy(src, backup, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                    list.append("saved\t").append(f.path()).append('\n');
                } else {
                    list.append("new\t").append(f.path()).append('\n');
                }
            }
            Files.writeString(journal.resolve("journal"), list.toString());
        } catch (IOException e) {
            throw new Failure("cannot save the files the patch changes: " + e.getMessage());
        }
        applied = true;
        Toolchain.Result r = runPatch(false, patch);
        if (!r.ok()) throw new Failure(describeFailure(r.output()));
    }

    /** Puts the original files back. */
    public void revert() {
        if (applied) recover(tree, journal);
        applied = false;
    }

    /** Undoes a patch left applied by an interrupted build (no-op without a journal). */
    public static void recover(Path tree, Path journal) {
        Path list = journal.resolve("journal");
        if (!Files.exists(list)) return;
        try {
            for (String line : Files.readAllLines(list)) {
                String[] f = line.split("\t", 2);
                if (f.length != 2) continue;
                Path dst = tree.resolve(f[1]);
                if (f[0].equals("saved")) {
                    Files.copy(journal.resolve("files").resolve(f[1]), dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
                } else {
                    Files.deleteIfExists(dst);
                }
            }
            Files.delete(list);
            FileTrees.delete(journal.resolve("files"));
        } catch (IOException e) {
            throw new Failure("cannot restore the source tree from " + journal + ": " + e.getMessage()
                    + " (delete the cache to start afresh)");
        }
    }

    private Toolchain.Result runPatch(boolean dryRun, byte[] patch) {
        List<String> cmd = new ArrayList<>(List.of("patch", "-p1", "--batch", "--forward", "--no-backup-if-mismatch",
                "--reject-file=-", "-d", tree.toString()));
        if (dryRun) cmd.add("--dry-run");
        return Exec.run(null, cmd, java.util.Map.of(), patch);
    }

    private static final Pattern FILE = Pattern.compile("^(?:checking|patching) file '?([^'\\n]+)'?$", Pattern.MULTILINE);
    private static final Pattern HUNK = Pattern.compile("^Hunk #(\\d+) FAILED at (\\d+)", Pattern.MULTILINE);

    /** Turns patch's output into one message naming each failing file and hunk, with the hunk's header. */
    String describeFailure(String output) {
        List<String> parts = new ArrayList<>();
        String current = null;
        for (String line : output.split("\n")) {
            Matcher f = FILE.matcher(line);
            if (f.matches()) { current = f.group(1); continue; }
            Matcher h = HUNK.matcher(line);
            if (h.find()) {
                int n = Integer.parseInt(h.group(1));
                String header = "";
                for (UnifiedDiff.FilePatch fp : diff.files()) {
                    if (fp.path().equals(current) && n <= fp.hunkHeaders().size()) header = " (" + fp.hunkHeaders().get(n - 1) + ")";
                }
                parts.add(current + ": hunk #" + n + header + " FAILED at line " + h.group(2));
            } else if (line.startsWith("Reversed (or previously applied) patch detected")) {
                parts.add(current + ": already patched (the patch is reversed or applied already)");
            } else if (line.contains("can't find file to patch") || line.contains("No such file")) {
                List<String> missing = diff.files().stream().filter(fp -> !fp.created() && !Files.exists(tree.resolve(fp.path())))
                        .map(UnifiedDiff.FilePatch::path).toList();
                String what = missing.isEmpty() ? line.strip() : String.join(", ", missing);
                String part = what + ": no such file in the source tree (is the patch for another kernel version?)";
                if (!parts.contains(part)) parts.add(part);
            } else if (line.contains("malformed patch") || line.contains("Only garbage")) {
                parts.add("malformed patch: " + line.strip());
            }
        }
        if (parts.isEmpty()) parts.add(output.strip().replace('\n', ' '));
        return patchFile.getFileName() + " does not apply to " + tree + ": " + String.join("; ", parts);
    }
}
