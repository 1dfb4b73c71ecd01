package dev.klp4j.elf;

import java.nio.ByteOrder;

/** The parts of the ELF file header that are not derived from the section layout. */
public record ElfHeader(ByteOrder order, int osAbi, int abiVersion, int type, int machine,
                        long entry, int flags) {

    public boolean isLittleEndian() {
        return order == ByteOrder.LITTLE_ENDIAN;
    }

    public static ElfHeader relocatable(ByteOrder order, int machine) {
        return new ElfHeader(order, 0, 0, Elf.ET_REL, machine, 0, 0);
    }
}
