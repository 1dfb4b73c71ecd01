package dev.klp4j.cli;

import dev.klp4j.elf.ElfFile;
import dev.klp4j.elf.ElfWriter;
import dev.klp4j.elf.Names;
import dev.klp4j.elf.Relocation;
import dev.klp4j.elf.RelocationSection;
import dev.klp4j.elf.Section;
import dev.klp4j.elf.Symbol;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "elf", mixinStandardHelpOptions = true,
        description = "Inspect and rewrite ELF relocatable objects.",
        subcommands = {ElfCommand.Show.class, ElfCommand.Rewrite.class})
final class ElfCommand {

    @Command(name = "show", mixinStandardHelpOptions = true,
            description = "Print sections, symbols and relocations (a readelf subset).")
    static final class Show implements Runnable {
        @Parameters(paramLabel = "FILE", description = "A relocatable object (.o or .ko).")
        Path file;

        @Option(names = "--json", description = "Print JSON instead of tables.")
        boolean json;

        @Spec CommandSpec spec;

        @Override
        public void run() {
            ElfFile elf = ElfFiles.read(file);
            PrintWriter out = spec.commandLine().getOut();
            if (json) out.println(Json.write(toJson(elf)));
            else printTables(elf, out);
            out.flush();
        }
    }

    @Command(name = "rewrite", mixinStandardHelpOptions = true,
            description = "Read an object and write it back out through klp4j's model.")
    static final class Rewrite implements Runnable {
        @Parameters(index = "0", paramLabel = "IN") Path in;
        @Parameters(index = "1", paramLabel = "OUT") Path out;

        @Override
        public void run() {
            ElfFile elf = ElfFiles.read(in);
            try {
                ElfWriter.write(elf, out);
            } catch (IOException e) {
                throw new UserError(out + ": cannot write: " + e.getMessage());
            }
        }
    }

    static void printTables(ElfFile elf, PrintWriter out) {
        Map<Section, Integer> idx = elf.sectionIndices();
        int machine = elf.header().machine();
        out.printf("Sections (%d):%n", elf.sections().size());
        out.printf("  [Nr] %-32s %-12s %-6s %10s %4s %4s %5s %3s%n", "Name", "Type", "Flags", "Size", "Link", "Info", "Align", "ES");
        for (Section s : elf.sections()) {
            out.printf("  [%2d] %-32s %-12s %-6s %10d %4s %4s %5d %3d%n", idx.get(s), s.name(), Names.sectionType(s.type()),
                    Names.sectionFlags(s.flags()), s.size(), s.link() == null ? "0" : idx.get(s.link()),
                    infoOf(s, idx), s.addralign(), s.entsize());
        }
        out.printf("%nSymbols (%d):%n", elf.symbols().size());
        out.printf("  %5s %16s %6s %-7s %-6s %-9s %5s %s%n", "Num", "Value", "Size", "Type", "Bind", "Vis", "Ndx", "Name");
        int n = 1;
        for (Symbol s : elf.symbols()) {
            out.printf("  %5d %016x %6d %-7s %-6s %-9s %5s %s%n", n++, s.value(), s.size(), Names.symbolType(s.type()),
                    Names.binding(s.bind()), Names.visibility(s.visibility()), Names.sectionIndex(s, idx), s.displayName());
        }
        for (RelocationSection r : elf.relocationSections()) {
            out.printf("%nRelocations in %s (%d):%n", r.name(), r.relocations().size());
            for (Relocation rel : r.relocations()) {
                out.printf("  %016x %-18s %s%n", rel.offset(), Names.relocationType(machine, rel.type()), target(rel));
            }
        }
    }

    private static String infoOf(Section s, Map<Section, Integer> idx) {
        if (s instanceof RelocationSection r) return r.target() == null ? "0" : String.valueOf(idx.get(r.target()));
        return String.valueOf(s.info());
    }

    private static String target(Relocation rel) {
        String name = rel.symbol() == null ? "0" : rel.symbol().displayName();
        long a = rel.addend();
        return a == 0 ? name : a > 0 ? name + " + " + Long.toHexString(a) : name + " - " + Long.toHexString(-a);
    }

    static Map<String, Object> toJson(ElfFile elf) {
        Map<Section, Integer> idx = elf.sectionIndices();
        int machine = elf.header().machine();
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("machine", machine);
        root.put("byteOrder", elf.header().isLittleEndian() ? "little" : "big");
        List<Object> sections = new ArrayList<>();
        for (Section s : elf.sections()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", idx.get(s));
            m.put("name", s.name());
            m.put("type", Names.sectionType(s.type()));
            m.put("flags", Names.sectionFlags(s.flags()));
            m.put("size", s.size());
            m.put("link", s.link() == null ? null : s.link().name());
            m.put("align", s.addralign());
            m.put("entsize", s.entsize());
            if (s instanceof RelocationSection r) {
                m.put("target", r.target() == null ? null : r.target().name());
                List<Object> rels = new ArrayList<>();
                for (Relocation rel : r.relocations()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("offset", rel.offset());
                    e.put("type", Names.relocationType(machine, rel.type()));
                    e.put("symbol", rel.symbol() == null ? null : rel.symbol().displayName());
                    e.put("addend", rel.addend());
                    rels.add(e);
                }
                m.put("relocations", rels);
            }
            sections.add(m);
        }
        root.put("sections", sections);
        List<Object> symbols = new ArrayList<>();
        for (Symbol s : elf.symbols()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.displayName());
            m.put("value", s.value());
            m.put("size", s.size());
            m.put("type", Names.symbolType(s.type()));
            m.put("bind", Names.binding(s.bind()));
            m.put("visibility", Names.visibility(s.visibility()));
            m.put("section", Names.sectionIndex(s, idx));
            symbols.add(m);
        }
        root.put("symbols", symbols);
        return root;
    }
}
