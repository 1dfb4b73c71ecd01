package dev.klp4j.diff;

import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.util.IdentityHashMap;
import java.util.Map;

/** Which symbol and section of the patched object corresponds to which of the original. */
final class Correlation {
    private final Map<Symbol, Symbol> symP2O = new IdentityHashMap<>();
    private final Map<Symbol, Symbol> symO2P = new IdentityHashMap<>();
    private final Map<Section, Section> secP2O = new IdentityHashMap<>();
    private final Map<Section, Section> secO2P = new IdentityHashMap<>();

    void pair(Symbol orig, Symbol patched) {
        symO2P.put(orig, patched);
        symP2O.put(patched, orig);
    }

    void pair(Section orig, Section patched) {
        secO2P.put(orig, patched);
        secP2O.put(patched, orig);
    }

    Symbol origOf(Symbol patched) { return symP2O.get(patched); }
    Symbol patchedOf(Symbol orig) { return symO2P.get(orig); }
    Section origOf(Section patched) { return secP2O.get(patched); }
    Section patchedOf(Section orig) { return secO2P.get(orig); }
    boolean hasOrig(Symbol patched) { return symP2O.containsKey(patched); }
    boolean hasPatched(Symbol orig) { return symO2P.containsKey(orig); }
    boolean hasOrig(Section patched) { return secP2O.containsKey(patched); }
    boolean hasPatched(Section orig) { return secO2P.containsKey(orig); }
}
