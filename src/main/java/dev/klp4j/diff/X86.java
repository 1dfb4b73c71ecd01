package dev.klp4j.diff;

/**
 * Just enough x86-64 instruction decoding to know where a PC-relative reference points: the CPU
 * adds the displacement to the address of the next instruction, which lies after the 4-byte
 * displacement and any immediate that follows it ({@code cmpb $1, x(%rip)} has one more byte,
 * {@code movl $5, x(%rip)} four more). So the referenced offset is addend + 4 + immediate size.
 */
final class X86 {
    private X86() {}

    /** Bytes from the start of the relocated 32-bit field to the end of its instruction. */
    static int bytesToInstructionEnd(byte[] code, int field) {
        return 4 + immediateAfterDisplacement(code, field);
    }

    private static int immediateAfterDisplacement(byte[] code, int field) {
        if (field < 2 || field > code.length) return 0;
        int modrm = code[field - 1] & 0xff;
        if ((modrm & 0xc7) != 0x05) return 0; // not [rip + disp32]: a branch, or data
        int reg = (modrm >> 3) & 7;
        int op = code[field - 2] & 0xff;
        boolean twoByte = field >= 3 && (code[field - 3] & 0xff) == 0x0f;
        boolean threeByte3a = field >= 4 && (code[field - 4] & 0xff) == 0x0f && (code[field - 3] & 0xff) == 0x3a;
        if (threeByte3a) return 1;
        if (twoByte) {
            if (op == 0xba || op == 0xa4 || op == 0xac || (op >= 0x70 && op <= 0x73) || op == 0xc2 || op == 0xc4
                    || op == 0xc5 || op == 0xc6) return 1;
            return 0;
        }
        boolean opsize16 = hasOperandSizePrefix(code, field - 2);
        switch (op) {
            case 0x80, 0x82, 0x83, 0xc0, 0xc1, 0xc6, 0x6b:
                return 1;
            case 0x81, 0xc7, 0x69:
                return opsize16 ? 2 : 4;
            case 0xf6:
                return reg <= 1 ? 1 : 0;
            case 0xf7:
                return reg <= 1 ? (opsize16 ? 2 : 4) : 0;
            default:
                return 0;
        }
    }

    /** Whether a 0x66 prefix precedes the opcode at {@code op} (skipping a REX prefix). */
    private static boolean hasOperandSizePrefix(byte[] code, int op) {
        int i = op - 1;
        if (i >= 0 && ((code[i] & 0xf0) == 0x40)) i--;
        return i >= 0 && (code[i] & 0xff) == 0x66;
    }
}
