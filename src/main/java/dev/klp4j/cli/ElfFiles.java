package dev.klp4j.cli;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reading objects named on the command line, with errors that name the file. */
public final class ElfFiles {
    private ElfFiles() {}

    public static ElfFile read(Path path) {
        InputFiles.requireReadable(path, "file");
        try {
            return ElfReader.read(path);
        } catch (ElfFormatException e) {
            throw new UserError(path + ": " + e.getMessage());
        } catch (NoSuchFileException e) {
            throw new UserError(path + ": no such file");
        } catch (IOException e) {
            throw new UserError(path + ": cannot read: " + e.getMessage());
        }
    }
}
