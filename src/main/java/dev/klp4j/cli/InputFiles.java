package dev.klp4j.cli;

import dev.klp4j.source.UnifiedDiff;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * The files a command line names, checked before any expensive work (a target resolved, a tree
 * prepared, minutes of compiling): each error names the file, the cause and what to give instead.
 */
final class InputFiles {
    private InputFiles() {}

    /** {@code path} is a regular file this process can read ({@code what}: "patch file", "file"). */
    static void requireReadable(Path path, String what) {
        if (Files.isDirectory(path)) throw new UserError(ExitStatus.INPUT, path + ": is a directory; give a " + what);
        if (!Files.exists(path)) throw new UserError(ExitStatus.INPUT, path + ": no such " + what);
        if (!Files.isRegularFile(path)) {
            throw new UserError(ExitStatus.INPUT, path + ": not a regular file (a device, pipe or socket); give a " + what);
        }
        if (!Files.isReadable(path)) throw new UserError(ExitStatus.INPUT, path + ": cannot read: Permission denied");
    }

    /** The patch named on the command line: readable, and a unified diff naming at least one file. */
    static UnifiedDiff requirePatch(Path patch) {
        requireReadable(patch, "patch file");
        String text;
        try {
            text = Files.readString(patch, StandardCharsets.ISO_8859_1);
        } catch (AccessDeniedException e) {
            throw new UserError(ExitStatus.INPUT, patch + ": cannot read: Permission denied");
        } catch (NoSuchFileException e) {
            throw new UserError(ExitStatus.INPUT, patch + ": no such patch file");
        } catch (IOException e) {
            throw new UserError(ExitStatus.INPUT, patch + ": cannot read: " + e.getMessage());
        }
        UnifiedDiff diff = UnifiedDiff.parse(text);
        if (diff.files().isEmpty()) {
            throw new UserError(ExitStatus.INPUT, patch + ": " + (text.isBlank() ? "empty" : "not a unified diff")
                    + ": no file header ('--- a/FILE' then '+++ b/FILE') in it; give the output of git diff or diff -u");
        }
        return diff;
    }

    /**
     * The patches of one build (kpatch-build takes several): each checked, and several joined into
     * one file named after the first, in a work directory removed when klp4j exits. Two that change
     * one file are refused: each side of a file is read from one diff.
     */
    static Path joinPatches(List<Path> patches) {
        java.util.Map<String, Path> changedBy = new java.util.LinkedHashMap<>();
        StringBuilder joined = new StringBuilder();
        for (Path p : patches) {
            for (UnifiedDiff.FilePatch f : requirePatch(p).files()) {
                Path other = changedBy.putIfAbsent(f.path(), p);
                if (other != null && !other.equals(p)) {
                    throw new UserError(ExitStatus.INPUT, p + " changes " + f.path() + ", which " + other
                            + " changes too: give them as one patch (e.g. git diff over both commits)");
                }
            }
            if (patches.size() > 1) {
                try {
                    String text = Files.readString(p, StandardCharsets.ISO_8859_1);
                    joined.append(text.endsWith("\n") ? text : text + "\n");
                } catch (IOException e) {
                    throw new UserError(ExitStatus.INPUT, p + ": cannot read: " + e.getMessage());
                }
            }
        }
        if (patches.size() == 1) return patches.get(0);
        Path dir = dev.klp4j.base.WorkDir.create("klp4j-patches-").path();
        Path out = dir.resolve(patches.get(0).getFileName());
        try {
            Files.writeString(out, joined, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new UserError(ExitStatus.TOOL, "cannot write the joined patch " + out + ": " + e.getMessage());
        }
        return out;
    }

    /** {@code -o FILE}: its directory exists and klp4j can write there (the file is made at the end of the work). */
    static void requireOutputFile(String option, Path file) {
        if (Files.isDirectory(file)) throw new UserError(ExitStatus.INPUT, option + " " + file + ": is a directory; give a file name");
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) throw new UserError(ExitStatus.INPUT, option + " " + file + ": " + dir + " does not exist; create it first");
        if (!Files.isWritable(dir)) throw new UserError(ExitStatus.INPUT, option + " " + file + ": " + dir + " is not writable (Permission denied)");
    }

    /** {@code -o DIR}: an existing or creatable directory klp4j can write, checked before the work that fills it. */
    static void requireWritableDir(String option, Path dir) {
        Path p = dir.toAbsolutePath();
        while (p != null && !Files.exists(p)) p = p.getParent();
        if (p == null || !Files.isDirectory(p)) {
            throw new UserError(ExitStatus.INPUT, option + " " + dir + ": " + p + " is not a directory; give a directory to write into");
        }
        if (!Files.isWritable(p)) throw new UserError(ExitStatus.INPUT, option + " " + dir + ": " + p + " is not writable (Permission denied)");
    }
}
