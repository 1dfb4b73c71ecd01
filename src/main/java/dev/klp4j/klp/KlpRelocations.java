package dev.klp4j.klp;

import dev.klp4j.elf.Elf;
import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/**
 * Turns references the module loader cannot resolve into livepatch relocations, as
 * Documentation/livepatch/module-elf-format.rst lays out: each such relocation moves from
 * {@code .rela<sec>} to {@code .klp.rela.<obj>.<sec>} (SHT_RELA, flags SHF_ALLOC | SHF_INFO_LINK |
 * SHF_RELA_LIVEPATCH, sh_info = sec) and points at {@code .klp.sym.<obj>.<name>,<sympos>}, a
 * GLOBAL symbol with st_shndx SHN_LIVEPATCH. References resolved normally are left alone.
 */
public final class KlpRelocations {
    public static final String SYM_PREFIX = ".klp.sym.";
    public static final String RELA_PREFIX = ".klp.rela.";
    public static final long KLP_RELA_FLAGS = Elf.SHF_ALLOC | Elf.SHF_INFO_LINK | Elf.SHF_RELA_LIVEPATCH;

    /** What was converted: klp symbol name -> number of relocations using it. */
    public record Summary(Map<String, Integer> klpSymbols, int normal) {}

    private KlpRelocations() {}

    public static String klpSymbolName(String object, String name, int sympos) {
        return SYM_PREFIX + object + "." + name + "," + sympos;
    }

    /**
     * Converts {@code out} in place. {@code resolve} is asked once per undefined symbol name
     * (with whether the differ saw it as a local of the original object).
     */
    public static Summary convert(ElfFile out, BiFunction<String, Boolean, SymbolResolver.Resolution> resolve) {
        Map<String, PatchMeta.Reference> refs = out.section(PatchMeta.SECTION).isPresent()
                ? PatchMeta.of(out).referencesByName() : Map.of();
        Map<Symbol, SymbolResolver.Resolution> decided = new IdentityHashMap<>();
        Map<String, Symbol> klpSyms = new LinkedHashMap<>();
        Map<String, RelocationSection> klpSecs = new LinkedHashMap<>();
        Map<String, Integer> uses = new LinkedHashMap<>();
        Section symtab = null;
        for (Section s : out.sections()) if (s.type() == Elf.SHT_SYMTAB) symtab = s;
        int normal = 0;

        for (RelocationSection rs : new ArrayList<>(out.relocationSections())) {
            if (rs.name().startsWith(RELA_PREFIX) || rs.target() == null) continue;
            List<Relocation> keep = new ArrayList<>();
            for (Relocation r : rs.relocations()) {
                Symbol s = r.symbol();
                if (s == null || !s.isUndefined() || s.name().isEmpty()) { keep.add(r); continue; }
                SymbolResolver.Resolution res = decided.computeIfAbsent(s, k -> {
                    PatchMeta.Reference ref = refs.get(k.name());
                    return resolve.apply(k.name(), ref != null && ref.wasLocal());
                });
                if (!res.isKlp()) { keep.add(r); normal++; continue; }
                if (!rs.isRela()) throw new KlpException(rs.name() + ": REL (not RELA) relocations cannot become livepatch relocations");
                String symName = klpSymbolName(res.klpObject(), s.name(), res.sympos());
                Symbol klp = klpSyms.computeIfAbsent(symName, n -> new Symbol(n, Elf.STB_GLOBAL,
                        s.type() == Elf.STT_NOTYPE ? typeOf(refs.get(s.name())) : s.type(), Elf.STV_DEFAULT, null, Elf.SHN_LIVEPATCH, 0, 0));
                String secName = RELA_PREFIX + res.klpObject() + "." + rs.target().name();
                RelocationSection klpSec = klpSecs.get(secName);
                if (klpSec == null) {
                    klpSec = new RelocationSection(secName, true, KLP_RELA_FLAGS, rs.target(), List.of());
                    klpSec.link(symtab);
                    klpSecs.put(secName, klpSec);
                    out.sections().add(out.sections().indexOf(rs) + 1, klpSec);
                }
                klpSec.relocations().add(r.withSymbol(klp));
                uses.merge(symName, 1, Integer::sum);
            }
            rs.relocations().clear();
            rs.relocations().addAll(keep);
            if (keep.isEmpty()) out.sections().remove(rs);
        }

        // Drop undefined symbols nothing refers to any more, add the livepatch symbols.
        Set<Symbol> used = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (RelocationSection rs : out.relocationSections()) for (Relocation r : rs.relocations()) if (r.symbol() != null) used.add(r.symbol());
        Set<Symbol> converted = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<Symbol, SymbolResolver.Resolution> e : decided.entrySet()) if (e.getValue().isKlp()) converted.add(e.getKey());
        out.symbols().removeIf(s -> converted.contains(s) && !used.contains(s));
        out.symbols().addAll(klpSyms.values());
        return new Summary(uses, normal);
    }

    private static int typeOf(PatchMeta.Reference ref) {
        if (ref == null || ref.type() == null) return Elf.STT_NOTYPE;
        return switch (ref.type()) {
            case "FUNC" -> Elf.STT_FUNC;
            case "OBJECT" -> Elf.STT_OBJECT;
            default -> Elf.STT_NOTYPE;
        };
    }

    /**
     * The pre-link half of the conversion (see {@link ModuleGenerator}): every undefined symbol to be
     * resolved by the livepatch core is renamed to its {@code .klp.sym.OBJ.NAME,POS} name and stays
     * undefined. Returns the new names.
     */
    public static List<String> renameForLink(ElfFile out, BiFunction<String, Boolean, SymbolResolver.Resolution> resolve) {
        Map<String, PatchMeta.Reference> refs = out.section(PatchMeta.SECTION).isPresent()
                ? PatchMeta.of(out).referencesByName() : Map.of();
        Set<Symbol> referenced = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (RelocationSection rs : out.relocationSections()) for (Relocation r : rs.relocations()) if (r.symbol() != null) referenced.add(r.symbol());
        List<String> renamed = new ArrayList<>();
        for (Symbol s : out.symbols()) {
            if (!s.isUndefined() || s.name().isEmpty() || !referenced.contains(s)) continue;
            PatchMeta.Reference ref = refs.get(s.name());
            SymbolResolver.Resolution res = resolve.apply(s.name(), ref != null && ref.wasLocal());
            if (!res.isKlp()) continue;
            if (s.type() == Elf.STT_NOTYPE) s.type(typeOf(ref));
            s.name(klpSymbolName(res.klpObject(), s.name(), res.sympos())).bind(Elf.STB_GLOBAL);
            renamed.add(s.name());
        }
        return renamed;
    }

    /** The names of all livepatch symbols in {@code file} (for checks and reports). */
    public static Set<String> klpSymbols(ElfFile file) {
        Set<String> out = new HashSet<>();
        for (Symbol s : file.symbols()) if (s.isLivepatch()) out.add(s.name());
        return out;
    }
}
