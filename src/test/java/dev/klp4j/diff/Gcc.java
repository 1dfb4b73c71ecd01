package dev.klp4j.diff;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Compiles small C files the way the kernel builds objects for live patching. */
final class Gcc {
    static final List<String> FLAGS = List.of("-c", "-O2", "-ffunction-sections", "-fdata-sections", "-pg", "-mfentry",
            "-mrecord-mcount", "-fno-pic", "-fno-asynchronous-unwind-tables", "-fno-stack-protector", "-mcmodel=kernel");

    private Gcc() {}

    static ElfFile compile(Path dir, String name, String source) throws Exception {
        Path c = dir.resolve(name + ".c");
        Path o = dir.resolve(name + ".o");
        Files.writeString(c, source, StandardCharsets.UTF_8);
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new java.util.ArrayList<>();
        cmd.add("gcc");
        cmd.addAll(FLAGS);
        cmd.add("-o");
        cmd.add(o.toString());
        cmd.add(c.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("gcc timed out");
        }
        if (p.exitValue() != 0) throw new IOException("gcc failed on " + name + ":\n" + Files.readString(log));
        return ElfReader.read(o);
    }

    static DiffResult diff(Path dir, String orig, String patched) throws Exception {
        return Differ.diff(compile(dir, "orig", orig), compile(dir, "patched", patched), DiffOptions.defaults());
    }
}
