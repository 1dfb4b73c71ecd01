package dev.klp4j.elf;

/** A file that is not a well-formed ELF64 relocatable object; the message names the fault. */
public final class ElfFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public ElfFormatException(String message) {
        super(message);
    }
}
