package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The README's command reference against the commands themselves: every command has a section
 * (a heading names it), every option a user can see is named in the README, and every option a
 * heading shows exists.
 */
class ReadmeCommandsTest {
    /** Options every command has, described once for all. */
    static final Set<String> COMMON = Set.of("-h", "--help", "-V", "--version", "--debug");

    static final String README;

    static {
        try {
            README = Files.readString(Path.of("README.md"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static List<CommandLine> commands(CommandLine c) {
        List<CommandLine> out = new ArrayList<>();
        for (CommandLine sub : c.getSubcommands().values()) {
            if (sub.getCommandSpec().usageMessage().hidden() || sub.getCommandSpec().name().equals("help")) continue;
            out.add(sub);
            out.addAll(commands(sub));
        }
        return out;
    }

    private static List<String> headings() {
        return README.lines().filter(l -> l.startsWith("### `klp4j ")).toList();
    }

    @Test
    void everyCommandHasASection() {
        List<String> missing = new ArrayList<>();
        for (CommandLine c : commands(Main.newCommandLine())) {
            String path = c.getCommandSpec().qualifiedName().substring("klp4j ".length());
            // "klp4j vm test ...", or one of a group: "klp4j load | unload | list ..."
            Pattern named = Pattern.compile("klp4j ([a-z-]+ \\| )*" + Pattern.quote(path) + "[ `]|\\| " + Pattern.quote(path) + "[ `]");
            boolean found = headings().stream().anyMatch(h -> named.matcher(h).find());
            // a command with subcommands is documented by theirs
            if (!found && c.getSubcommands().values().stream().allMatch(s -> s.getCommandSpec().usageMessage().hidden())) missing.add(path);
        }
        assertThat(missing).as("commands without a README section").isEmpty();
    }

    @Test
    void everyVisibleOptionIsNamedInTheReadme() {
        List<String> missing = new ArrayList<>();
        for (CommandLine c : commands(Main.newCommandLine())) {
            for (CommandLine.Model.OptionSpec o : c.getCommandSpec().options()) {
                if (o.hidden() || o.names().length == 0 || COMMON.contains(o.longestName())) continue;
                boolean named = false;
                for (String n : o.names()) named |= Pattern.compile("(?<![\\w-])" + Pattern.quote(n) + "(?![\\w-])").matcher(README).find();
                if (!named) missing.add(c.getCommandSpec().qualifiedName() + " " + o.longestName());
            }
        }
        assertThat(missing).as("options the README does not name").isEmpty();
    }

    @Test
    void everyOptionAHeadingShowsExists() {
        List<String> stale = new ArrayList<>();
        for (String h : headings()) {
            String path = h.substring("### `klp4j ".length()).split("[ `\\[]")[0];
            CommandLine c = Main.newCommandLine().getSubcommands().get(path);
            if (c == null) continue; // a group heading ("load | unload | ...") or make target
            String rest = h.substring(h.indexOf(path) + path.length());
            String[] words = rest.split("[ `\\[\\]|]+");
            if (words.length > 1 && c.getSubcommands().containsKey(words[1])) c = c.getSubcommands().get(words[1]);
            for (String w : words) {
                if (!w.startsWith("-") || w.equals("-")) continue;
                String name = w.replaceAll("[.=].*$", "");
                if (c.getCommandSpec().findOption(name) == null) stale.add(h + ": " + name);
            }
        }
        assertThat(stale).as("options headings show that the command lacks").isEmpty();
    }

    /**
     * Every example command of the README and docs/*.md (an indented line that runs klp4j, not a
     * synopsis with [brackets] or alternatives) is one the command line takes as written: each
     * option exists, takes what it is given, and no parameter is missing. Running them needs the
     * kernels they name; their behaviour is what the other tests check.
     */
    @Test
    void everyExampleCommandInTheDocsIsOneTheCommandLineTakes() throws java.io.IOException {
        List<Path> docs = new ArrayList<>(List.of(Path.of("README.md")));
        try (var s = Files.list(Path.of("docs"))) {
            s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
        }
        List<String> examples = new ArrayList<>();
        for (Path doc : docs) {
            String text = Files.readString(doc).replace("\\\n", " ");
            for (String line : text.lines().toList()) {
                if (!line.startsWith("    ")) continue;
                String cmd = line.strip();
                int hash = cmd.indexOf(" #");
                if (hash >= 0) cmd = cmd.substring(0, hash).strip();
                int pipe = cmd.indexOf(" | ");
                if (!(cmd.startsWith("./klp4j ") || cmd.startsWith("klp4j ")) || cmd.contains("[") || (pipe >= 0 && cmd.substring(pipe).contains("klp4j"))) {
                    continue;
                }
                if (pipe >= 0) cmd = cmd.substring(0, pipe);
                List<String> words = new ArrayList<>(List.of(cmd.strip().split("\\s+")));
                words.remove(0);
                try {
                    Main.newCommandLine().parseArgs(words.toArray(String[]::new));
                } catch (CommandLine.ParameterException e) {
                    throw new AssertionError(doc + ": the example '" + cmd + "' is not a command klp4j takes: " + e.getMessage());
                }
                examples.add(doc + ": " + cmd);
            }
        }
        assertThat(examples).as("examples found").hasSizeGreaterThan(15)
                .anyMatch(e -> e.contains("klp4j update --kernel")).anyMatch(e -> e.contains("klp4j repo promote"));
    }
}
