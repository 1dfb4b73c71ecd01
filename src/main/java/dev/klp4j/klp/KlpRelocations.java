package dev.klp4j.klp;

import dev.klp4j.base.Failure;

import dev.klp4j.diff.PatchMeta;
import dev.klp4j.diff.PatchObject;
import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Livepatch relocations, as Documentation/livepatch/module-elf-format.rst lays them out: a
 * reference the module loader cannot resolve points at {@code .klp.sym.<obj>.<name>,<sympos>}, a
 * GLOBAL symbol with st_shndx SHN_LIVEPATCH, from {@code .klp.rela.<obj>.<sec>} (SHT_RELA, flags
 * SHF_ALLOC | SHF_INFO_LINK | SHF_RELA_LIVEPATCH, sh_info = sec). References resolved normally
 * are left alone.
 *
 * <p>They are made in two halves around the module's link, because {@code ld -r} does not keep
 * them (see {@link ModuleGenerator}): {@link #renameForLink} names the symbols in each patch object,
 * {@link #finishLinked} makes the symbols and sections in the linked module.
 */
public final class KlpRelocations {
    public static final String SYM_PREFIX = ".klp.sym.";
    public static final String RELA_PREFIX = ".klp.rela.";
    public static final long KLP_RELA_FLAGS = Elf.SHF_ALLOC | Elf.SHF_INFO_LINK | Elf.SHF_RELA_LIVEPATCH;

    private KlpRelocations() {}

    public static String klpSymbolName(String object, String name, int sympos) {
        return SYM_PREFIX + object + "." + name + "," + sympos;
    }

    /** The object of a {@code .klp.sym.OBJ.NAME,POS} name. */
    public static String objectOf(String klpSymbol) {
        if (!klpSymbol.startsWith(SYM_PREFIX) || klpSymbol.indexOf('.', SYM_PREFIX.length()) < 0) {
            throw new IllegalArgumentException("not a livepatch symbol: " + klpSymbol);
        }
        return klpSymbol.substring(SYM_PREFIX.length(), klpSymbol.indexOf('.', SYM_PREFIX.length()));
    }

    /**
     * Before the link: every undefined symbol of the patch object to be resolved by the livepatch
     * core is renamed to its {@code .klp.sym.OBJ.NAME,POS} name and stays undefined. {@code resolve}
     * is asked once per referenced undefined symbol (with whether the original object defined it
     * LOCAL). Returns the new names.
     */
    public static List<String> renameForLink(PatchObject patch, BiFunction<String, Boolean, SymbolResolver.Resolution> resolve) {
        ElfFile out = patch.elf();
        Set<Symbol> referenced = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (RelocationSection rs : out.relocationSections()) for (Relocation r : rs.relocations()) if (r.symbol() != null) referenced.add(r.symbol());
        List<String> renamed = new ArrayList<>();
        for (Symbol s : out.symbols()) {
            if (!s.isUndefined() || s.name().isEmpty() || !referenced.contains(s)) continue;
            java.util.Optional<PatchMeta.Reference> ref = patch.meta().reference(s.name());
            SymbolResolver.Resolution res = resolve.apply(s.name(), ref.map(PatchMeta.Reference::wasLocal).orElse(false));
            if (!res.isKlp()) continue;
            if (s.type() == Elf.STT_NOTYPE) s.type(ref.map(KlpRelocations::typeOf).orElse(Elf.STT_NOTYPE));
            s.name(klpSymbolName(res.klpObject(), s.name(), res.sympos())).bind(Elf.STB_GLOBAL);
            renamed.add(s.name());
        }
        return renamed;
    }

    /** The type an untyped reference takes from the metadata: FUNC or OBJECT as in the original, else none. */
    private static int typeOf(PatchMeta.Reference ref) {
        return switch (ref.symbolType()) {
            case Elf.STT_FUNC, Elf.STT_OBJECT -> ref.symbolType();
            default -> Elf.STT_NOTYPE;
        };
    }

    /**
     * After the link: each undefined {@code .klp.sym.OBJ.NAME,POS} symbol becomes SHN_LIVEPATCH and
     * the relocations against it move to {@code .klp.rela.OBJ.SECTION}. Returns how many moved.
     */
    public static int finishLinked(ElfFile ko) {
        Map<Symbol, String> klp = new IdentityHashMap<>();
        for (Symbol s : ko.symbols()) {
            if (s.isUndefined() && s.name().startsWith(SYM_PREFIX)) {
                String rest = s.name().substring(SYM_PREFIX.length());
                int dot = rest.indexOf('.');
                if (dot <= 0 || rest.lastIndexOf(',') < dot) throw new Failure("malformed livepatch symbol " + s.name());
                klp.put(s, objectOf(s.name()));
            }
        }
        Section symtab = null;
        for (Section s : ko.sections()) if (s.type() == Elf.SHT_SYMTAB) symtab = s;
        Map<String, RelocationSection> klpSecs = new LinkedHashMap<>();
        int moved = 0;
        for (RelocationSection rs : new ArrayList<>(ko.relocationSections())) {
            if (rs.name().startsWith(RELA_PREFIX) || rs.target() == null) continue;
            List<Relocation> keep = new ArrayList<>();
            for (Relocation r : rs.relocations()) {
                String obj = r.symbol() == null ? null : klp.get(r.symbol());
                if (obj == null) { keep.add(r); continue; }
                String secName = RELA_PREFIX + obj + "." + rs.target().name();
                RelocationSection k = klpSecs.get(secName);
                if (k == null) {
                    k = new RelocationSection(secName, true, KLP_RELA_FLAGS, rs.target(), List.of());
                    k.link(symtab);
                    klpSecs.put(secName, k);
                    ko.sections().add(ko.sections().indexOf(rs) + 1, k);
                }
                k.relocations().add(r);
                moved++;
            }
            rs.relocations().clear();
            rs.relocations().addAll(keep);
            if (keep.isEmpty()) ko.sections().remove(rs);
        }
        for (Symbol s : klp.keySet()) s.shndx(Elf.SHN_LIVEPATCH);
        return moved;
    }
}
