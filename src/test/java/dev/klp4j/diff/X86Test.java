package dev.klp4j.diff;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class X86Test {
    private static int end(int... bytes) {
        byte[] b = new byte[bytes.length + 8];
        for (int i = 0; i < bytes.length; i++) b[i] = (byte) bytes[i];
        return X86.bytesToInstructionEnd(b, bytes.length);
    }

    @Test
    void immediatesAfterRipRelativeDisplacement() {
        assertThat(end(0xe8)).as("call rel32").isEqualTo(4);
        assertThat(end(0x48, 0x8b, 0x05)).as("mov x(%rip),%rax").isEqualTo(4);
        assertThat(end(0x80, 0x3d)).as("cmpb $imm8,x(%rip)").isEqualTo(5);
        assertThat(end(0xc6, 0x05)).as("movb $imm8,x(%rip)").isEqualTo(5);
        assertThat(end(0xc7, 0x05)).as("movl $imm32,x(%rip)").isEqualTo(8);
        assertThat(end(0x66, 0xc7, 0x05)).as("movw $imm16,x(%rip)").isEqualTo(6);
        assertThat(end(0x48, 0x83, 0x05)).as("addq $imm8,x(%rip)").isEqualTo(5);
        assertThat(end(0xf6, 0x05)).as("testb $imm8,x(%rip)").isEqualTo(5);
        assertThat(end(0xf7, 0x1d)).as("negl x(%rip) has no immediate").isEqualTo(4);
        assertThat(end(0x0f, 0xba, 0x2d)).as("btsl $imm8,x(%rip)").isEqualTo(5);
    }
}
