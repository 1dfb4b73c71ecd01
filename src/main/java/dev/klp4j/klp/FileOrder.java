package dev.klp4j.klp;

import java.util.List;

/**
 * How one source file's symbols lie in the running object that links it, read from the original
 * object klp4j compiled: what tells a static apart from same-named ones of other files.
 *
 * @param symtabLocals the object's locals in its symbol table's order: ld writes each input file's
 *                     locals as one run in that order, so a module's table has them so
 * @param addressRuns  the object's symbols per output region (text, cold text, rodata, data, bss,
 *                     and each special section), each in the object's section order: vmlinux's
 *                     linker script lays a file's sections of one region out together and in that
 *                     order, so its address-ordered kallsyms have them so
 */
public record FileOrder(List<String> symtabLocals, List<List<String>> addressRuns) {
    public static final FileOrder NONE = new FileOrder(List.of(), List.of());

    public FileOrder {
        symtabLocals = List.copyOf(symtabLocals);
        addressRuns = addressRuns.stream().map(List::copyOf).toList();
    }

    /**
     * The output region a section of a -ffunction-sections -fdata-sections object lands in, as a
     * kernel compiled without those options lays it out: every .text.NAME in .text, every cold part
     * in .text.unlikely, .rodata.NAME in .rodata; a section named with two dots (.data..percpu) or
     * any other name is a region of its own.
     */
    public static String region(String section) {
        for (String r : List.of(".text.unlikely", ".text.hot", ".text", ".rodata", ".data", ".bss")) {
            if (section.equals(r) || section.startsWith(r + ".") && !section.startsWith(r + "..")) return r;
        }
        return section;
    }
}
