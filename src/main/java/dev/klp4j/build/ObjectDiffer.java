package dev.klp4j.build;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.diff.PatchObjectFile;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * The differ as the pipeline uses it: original + patched object in, OUT.o (with its
 * {@code .klp4j.meta}) out, through {@link Differ} in this JVM. Thread-safe: the pipeline diffs
 * all changed objects in parallel. Status as {@code klp4j diff}: 0 written, 2 refused (messages
 * give the reasons), 3 no patchable change.
 */
public final class ObjectDiffer {
    public record Outcome(int status, List<String> changed, List<String> added, List<String> messages) {}

    public Outcome diff(Path orig, Path patched, Path out, DiffOptions options) {
        ElfFile o = read(orig);
        ElfFile p = read(patched);
        // Objects are read whole above; anything the differ throws is a bug in klp4j, reported as one by Main.
        DiffResult r = Differ.diff(o, p, options);
        if (r.status() == DiffResult.OK) {
            try {
                PatchObjectFile.write(r.patch(), out);
            } catch (IOException e) {
                throw new BuildException(BuildException.TOOL, out + ": cannot write the patch object: " + e.getMessage());
            }
        }
        return new Outcome(r.status(), r.changed(), r.added(), r.reasons());
    }

    private static ElfFile read(Path path) {
        try {
            return ElfReader.read(path);
        } catch (ElfFormatException e) {
            throw new BuildException(BuildException.TOOL, path + ": " + e.getMessage());
        } catch (IOException e) {
            throw new BuildException(BuildException.TOOL, path + ": cannot read: " + e.getMessage());
        }
    }
}
