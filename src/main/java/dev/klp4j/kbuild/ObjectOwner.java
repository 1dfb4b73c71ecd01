package dev.klp4j.kbuild;

import dev.klp4j.base.Failure;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which running object an object belongs to: vmlinux, or module X. The answer comes from kbuild
 * twice over and the two must agree: the directory's lists (obj-y vs obj-m, see {@link KbuildQuery})
 * and the compile command kbuild recorded ({@code -DMODULE -DKBUILD_MODNAME='"X"'}). A module must
 * also be one the target kernel ships (its modules.order), else its symbols cannot be resolved.
 */
public final class ObjectOwner {
    public static final String VMLINUX = "vmlinux";

    /** The owner, and for a module the path of its .ko under /lib/modules/REL (e.g. kernel/fs/minix/minix.ko). */
    public record Owner(String name, String modulePath) {
        public boolean isVmlinux() { return VMLINUX.equals(name); }
    }

    private static final Pattern MODNAME = Pattern.compile("-DKBUILD_MODNAME='\"([^\"]+)\"'");

    private final KbuildQuery kbuild;
    private final Map<String, String> moduleOrder; // modfile (fs/minix/minix) -> kernel/fs/minix/minix.ko

    public ObjectOwner(KbuildQuery kbuild, Path modulesDir) {
        this.kbuild = kbuild;
        this.moduleOrder = readModulesOrder(modulesDir.resolve("modules.order"));
    }

    static Map<String, String> readModulesOrder(Path file) {
        Map<String, String> out = new HashMap<>();
        if (!Files.exists(file)) return out;
        try {
            for (String l : Files.readAllLines(file)) {
                String p = l.strip();
                if (!p.endsWith(".ko")) continue;
                String rel = p.startsWith("kernel/") ? p.substring("kernel/".length()) : p;
                out.put(rel.substring(0, rel.length() - 3), p);
            }
        } catch (IOException e) {
            throw new Failure(file + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    /** The owner of {@code object}, given the directory where its compile record was copied. */
    public Owner owner(String object, Path compiledRoot) {
        String cmd;
        try {
            cmd = Files.readString(ObjectCompiler.cmdFile(compiledRoot, object), java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new Failure("no kbuild record for " + object + ": cannot tell whether it is in vmlinux or a module");
        }
        String firstLine = cmd.lines().findFirst().orElse("");
        boolean module = firstLine.contains(" -DMODULE ");
        KbuildQuery.Builder builder = kbuild.builder(object);
        KbuildQuery.Kind kind = builder.kind();
        if (kind == KbuildQuery.Kind.NOT_BUILT) throw new Failure(object + " is not built by this kernel's config");
        if ((kind == KbuildQuery.Kind.MODULE) != module) {
            throw new Failure(object + ": kbuild's lists say " + kind + " but it was compiled " + (module ? "with" : "without")
                    + " -DMODULE; cannot tell its owner");
        }
        if (!module) return new Owner(VMLINUX, null);
        Matcher n = MODNAME.matcher(firstLine);
        if (!n.find()) throw new Failure(object + ": compiled as module code but without KBUILD_MODNAME");
        String name = n.group(1);
        // The module's .ko sits in the directory whose Makefile builds the object (obj-m += kvm.o in
        // arch/x86/kvm builds arch/x86/kvm/mmu/mmu.o too); its file name may spell '_' as '-'.
        String ko = null;
        for (Map.Entry<String, String> e : moduleOrder.entrySet()) {
            String modfile = e.getKey();
            int slash = modfile.lastIndexOf('/');
            String base = modfile.substring(slash + 1).replace('-', '_');
            String dir = slash < 0 ? "" : modfile.substring(0, slash);
            if (base.equals(name) && dir.equals(builder.dir())) ko = e.getValue();
        }
        if (ko == null) {
            throw new Failure(object + " belongs to module " + name + " (built in " + builder.dir()
                    + "), which the target kernel's modules.order does not list");
        }
        return new Owner(name, ko);
    }
}
