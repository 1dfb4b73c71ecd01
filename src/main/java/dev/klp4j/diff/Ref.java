package dev.klp4j.diff;

import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.Symbol;

/**
 * A relocation with its target resolved to the most meaningful symbol: a reference to a
 * section symbol plus offset becomes a reference to the function or object at that offset
 * (addend adjusted), so that references compare and link by name. {@code literal} holds the
 * referenced string or constant when the target is a mergeable section (null otherwise).
 */
record Ref(Relocation reloc, Symbol target, long addend, Literal literal, long pcAdjust) {
    Ref(Relocation reloc, Symbol target, long addend, Literal literal) {
        this(reloc, target, addend, literal, 0);
    }

    long offset() { return reloc.offset(); }
    int type() { return reloc.type(); }

    /**
     * The offset in the relocation symbol's section that this reference designates: the addend
     * plus, for PC-relative references in code, the distance to the end of the instruction.
     */
    long designated() {
        Symbol s = reloc.symbol();
        return (s == null ? 0 : s.value()) + reloc.addend() + pcAdjust;
    }
}
