package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The exported symbols of a kernel build (Module.symvers): CRC, owning object (vmlinux or a module
 * path), export type and namespace. Lines are "CRC\tNAME\tOBJECT\tEXPORT_TYPE\tNAMESPACE".
 */
public final class ModuleSymvers {
    public record Export(String name, long crc, String object, String exportType, String namespace) {
        public boolean gplOnly() { return exportType.contains("GPL"); }
        /** The owning object's module name (vmlinux, or the module's base name with '-' as '_'). */
        public String ownerName() {
            String base = object.substring(object.lastIndexOf('/') + 1);
            return base.equals("vmlinux") ? "vmlinux" : base.replace('-', '_');
        }
    }

    private final Map<String, Export> exports;

    private ModuleSymvers(Map<String, Export> exports) {
        this.exports = exports;
    }

    public static ModuleSymvers parse(List<String> lines) {
        Map<String, Export> out = new HashMap<>();
        int n = 0;
        for (String line : lines) {
            n++;
            if (line.isBlank()) continue;
            String[] f = line.split("\t", -1);
            if (f.length < 4) throw new Failure("Module.symvers line " + n + ": expected CRC, name, object, export type: " + line);
            long crc;
            try {
                crc = Long.parseUnsignedLong(f[0].startsWith("0x") ? f[0].substring(2) : f[0], 16);
            } catch (NumberFormatException e) {
                throw new Failure("Module.symvers line " + n + ": bad CRC '" + f[0] + "'");
            }
            out.put(f[1], new Export(f[1], crc, f[2], f[3], f.length > 4 ? f[4].strip() : ""));
        }
        return new ModuleSymvers(out);
    }

    public static ModuleSymvers read(Path file) {
        try {
            return parse(Files.readAllLines(file, java.nio.charset.StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            throw new Failure(file + ": cannot read: " + e.getMessage());
        }
    }

    public Optional<Export> export(String name) {
        return Optional.ofNullable(exports.get(name));
    }

    /** The build path of the module named {@code module} ("drivers/hv/hv_vmbus"), if it exports anything. */
    public Optional<String> objectOf(String module) {
        return exports.values().stream().filter(e -> e.ownerName().equals(module)).map(Export::object).findFirst();
    }

    public int size() {
        return exports.size();
    }
}
