package dev.klp4j.klp;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The keys of the static calls a patch object makes, named again for objtool. Where objtool writes a
 * module's {@code .static_call_sites} at its link (Debian 13: IBT), a site is keyed by the static
 * call's key when the object names it, else by its trampoline; the module loader can look a key up
 * from a trampoline only for vmlinux's static calls, and refuses the module otherwise ("Failed to
 * fixup __raw_static_call() usage", EINVAL). The kernel's {@code static_call()} names the key in
 * {@code .discard.addressable}, which the differ does not carry; so for every trampoline the patch
 * calls whose key is exported (kvm's {@code kvm_x86_*}, for kvm_amd's code), the key is named there
 * again, as the compiled original did.
 */
final class StaticCallKeys {
    static final String TRAMPOLINE = "__SCT__";
    static final String KEY = "__SCK__";
    private static final int R_X86_64_64 = 1;

    private StaticCallKeys() {}

    /** Names the exported keys of the trampolines {@code object} calls and does not name the key of; returns them. */
    static List<String> name(ElfFile object, Predicate<String> exported) {
        Set<String> named = new HashSet<>();
        for (Symbol s : object.symbols()) named.add(s.name());
        Set<String> keys = new TreeSet<>();
        for (Symbol s : object.symbols()) {
            if (!s.isUndefined() || !s.name().startsWith(TRAMPOLINE)) continue;
            String key = KEY + s.name().substring(TRAMPOLINE.length());
            if (!named.contains(key) && exported.test(key)) keys.add(key);
        }
        if (keys.isEmpty()) return List.of();
        Section addressable = new Section(".discard.addressable", Elf.SHT_PROGBITS, Elf.SHF_ALLOC | Elf.SHF_WRITE, 8, 0,
                new byte[8 * keys.size()]);
        List<Relocation> relocations = new ArrayList<>();
        for (String key : keys) {
            Symbol ref = Symbol.undefined(key, Elf.STT_NOTYPE);
            object.symbols().add(ref);
            relocations.add(new Relocation(8L * relocations.size(), R_X86_64_64, ref, 0));
        }
        object.sections().add(addressable);
        object.sections().add(new RelocationSection(".rela.discard.addressable", true, Elf.SHF_INFO_LINK, addressable, relocations));
        return List.copyOf(keys);
    }
}
