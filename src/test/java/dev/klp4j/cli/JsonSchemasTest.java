package dev.klp4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.klp4j.testing.JsonContract;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The JSON contract's files: every command that takes --json has its schema in docs/schema, every
 * schema is a document of klp4j's (a command's, or a file klp4j writes for others), and docs/json.md
 * names each. The schemas themselves are checked against real output by every test that runs a
 * command with --json ({@link dev.klp4j.testing.CliRun}).
 */
class JsonSchemasTest {
    /** Documents klp4j writes as files, not on a command's stdout. */
    private static final List<String> FILES = List.of("package");

    static List<String> jsonCommands(CommandLine cl) {
        List<String> out = new ArrayList<>();
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommandSpec().findOption("--json") != null) {
                String q = sub.getCommandSpec().qualifiedName(" ");
                out.add(q.substring(q.indexOf(' ') + 1).replace(' ', '-'));
            }
            out.addAll(jsonCommands(sub));
        }
        return out;
    }

    @Test
    void everyCommandWithJsonHasItsSchemaAndEverySchemaIsOneOfKlp4jsDocumentsNamedInTheDocs() throws IOException {
        TreeSet<String> commands = new TreeSet<>(jsonCommands(Main.newCommandLine()));
        assertThat(commands).contains("build", "diff", "review", "update", "status", "list", "vm-test", "elf-show");
        TreeSet<String> schemas = new TreeSet<>();
        try (Stream<Path> s = Files.list(JsonContract.SCHEMAS)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".schema.json"))
                    .forEach(n -> schemas.add(n.substring(0, n.length() - ".schema.json".length())));
        }
        TreeSet<String> expected = new TreeSet<>(commands);
        expected.addAll(FILES);
        assertThat(schemas).isEqualTo(expected);
        String docs = Files.readString(Path.of("docs/json.md"));
        for (String name : schemas) assertThat(docs).as("docs/json.md names " + name).contains("schema/" + name + ".schema.json");
    }
}
