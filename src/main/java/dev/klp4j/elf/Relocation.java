package dev.klp4j.elf;

/**
 * One relocation entry. The symbol is the model object, not a symbol-table index, so relocations
 * survive any re-ordering of the symbol table. {@code symbol} is null for r_sym 0.
 */
public record Relocation(long offset, int type, Symbol symbol, long addend) {

    public Relocation withSymbol(Symbol s) {
        return new Relocation(offset, type, s, addend);
    }

    public Relocation withOffset(long o) {
        return new Relocation(o, type, symbol, addend);
    }

    public Relocation withAddend(long a) {
        return new Relocation(offset, type, symbol, a);
    }
}
