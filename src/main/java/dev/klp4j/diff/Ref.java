package dev.klp4j.diff;

import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.Symbol;

/**
 * A relocation with its target resolved to the most meaningful symbol: a reference to a
 * section symbol plus offset becomes a reference to the function or object at that offset
 * (addend adjusted), so that references compare and link by name. {@code string} holds the
 * referenced C string when the target is a string-literal section.
 */
record Ref(Relocation reloc, Symbol target, long addend, String string) {
    long offset() { return reloc.offset(); }
    int type() { return reloc.type(); }
}
