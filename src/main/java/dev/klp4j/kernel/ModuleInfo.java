package dev.klp4j.kernel;

import dev.klp4j.base.Failure;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfFormatException;
import dev.klp4j.elf.ElfReader;
import dev.klp4j.elf.Section;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The {@code .modinfo} of a kernel module file: name, vermagic, livepatch flag, depends. */
public record ModuleInfo(Path file, Map<String, List<String>> fields) {

    public static ModuleInfo read(Path ko) {
        if (!Files.isRegularFile(ko)) throw new Failure(ko + ": no such file (give a built .ko)");
        ElfFile elf;
        try {
            elf = ElfReader.read(ko);
        } catch (ElfFormatException e) {
            throw new Failure(ko + ": not a kernel module (" + e.getMessage() + ")");
        } catch (IOException e) {
            throw new Failure(ko + ": cannot read: " + e.getMessage());
        }
        Section modinfo = elf.section(".modinfo").orElseThrow(() ->
                new Failure(ko + ": not a kernel module (no .modinfo section); give a .ko built by kbuild"));
        return new ModuleInfo(ko, parse(modinfo.data()));
    }

    /** Parses NUL-separated {@code key=value} strings. */
    public static Map<String, List<String>> parse(byte[] data) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        int start = 0;
        for (int i = 0; i <= data.length; i++) {
            if (i == data.length || data[i] == 0) {
                if (i > start) {
                    String s = new String(data, start, i - start, StandardCharsets.UTF_8);
                    int eq = s.indexOf('=');
                    if (eq > 0) out.computeIfAbsent(s.substring(0, eq), k -> new ArrayList<>()).add(s.substring(eq + 1));
                }
                start = i + 1;
            }
        }
        return out;
    }

    public String first(String key) {
        List<String> v = fields.get(key);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    /** The name the kernel registers: modinfo {@code name}, else the file name with '-' as '_'. */
    public String name() {
        String n = first("name");
        if (n != null && !n.isEmpty()) return n;
        String f = file.getFileName().toString();
        if (f.endsWith(".ko")) f = f.substring(0, f.length() - 3);
        return f.replace('-', '_');
    }

    /** The kernel release in vermagic (its first word), or null. */
    public String vermagicRelease() {
        String v = first("vermagic");
        if (v == null || v.isBlank()) return null;
        return v.trim().split("\\s+")[0];
    }

    public boolean isLivepatch() {
        return "Y".equals(first("livepatch"));
    }

    /** Throws unless this module was built for {@code release}. */
    public ModuleInfo requireRelease(String release) {
        String built = vermagicRelease();
        if (built == null) throw new Failure(file + ": has no vermagic; rebuild it with kbuild for " + release);
        if (!built.equals(release)) {
            throw new Failure(file + ": built for kernel " + built + ", not " + release
                    + " (vermagic mismatch); rebuild it against linux-headers-" + release);
        }
        return this;
    }

    public ModuleInfo requireLivepatch() {
        if (!isLivepatch()) {
            throw new Failure(file + ": not a livepatch module (no MODULE_INFO(livepatch, \"Y\"));"
                    + " load it with insmod instead");
        }
        return this;
    }
}
