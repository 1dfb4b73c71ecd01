package dev.klp4j.build;

import dev.klp4j.diff.DiffOptions;
import dev.klp4j.diff.DiffResult;
import dev.klp4j.diff.Differ;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.ElfWriter;
import java.io.IOException;
import java.nio.file.Path;

/** The differ as the pipeline uses it: {@link Differ} called directly, one object per call, thread-safe. */
public final class InProcessDiffer implements ObjectDiffer {
    private final DiffOptions options;

    public InProcessDiffer(DiffOptions options) {
        this.options = options;
    }

    public InProcessDiffer() {
        this(DiffOptions.defaults());
    }

    @Override
    public Outcome diff(Path orig, Path patched, Path out, String objectName) {
        ElfFile o = read(orig);
        ElfFile p = read(patched);
        DiffResult r;
        try {
            r = Differ.diff(o, p, options.withObjectName(objectName));
        } catch (RuntimeException e) {
            throw new BuildException(BuildException.TOOL, "differ failed on " + patched.getFileName() + ": " + e.getMessage());
        }
        if (r.status() == DiffResult.OK) {
            try {
                ElfWriter.write(r.output(), out);
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
