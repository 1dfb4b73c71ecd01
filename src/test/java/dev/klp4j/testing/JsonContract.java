package dev.klp4j.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * klp4j's JSON contract: every document a command prints with --json (and every file it writes for
 * others to read) must hold to its schema in docs/schema; a test that sees one checks it here, so a
 * renamed or retyped field fails the test that printed it.
 */
public final class JsonContract {
    public static final Path SCHEMAS = Path.of("docs/schema");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private static final Map<String, JsonSchema> LOADED = new ConcurrentHashMap<>();

    private JsonContract() {}

    /** The schema file of a document: {@code docs/schema/NAME.schema.json}. */
    public static Path schemaFile(String name) {
        return SCHEMAS.resolve(name + ".schema.json");
    }

    /** Fails unless {@code json} is one document that holds to schema {@code name}. */
    public static JsonNode check(String name, String json) {
        JsonNode doc;
        try {
            doc = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new AssertionError(name + ": not one JSON document: " + e.getMessage() + "\n" + json);
        }
        JsonSchema schema = LOADED.computeIfAbsent(name, n -> {
            try {
                return FACTORY.getSchema(Files.readString(schemaFile(n)));
            } catch (IOException e) {
                throw new UncheckedIOException("no schema for " + n + " (" + schemaFile(n) + ")", e);
            }
        });
        Set<ValidationMessage> errors = schema.validate(doc);
        if (!errors.isEmpty()) {
            throw new AssertionError("the " + name + " document breaks docs/schema/" + name + ".schema.json:\n  "
                    + errors.stream().map(ValidationMessage::getMessage).sorted().collect(Collectors.joining("\n  ")) + "\n" + json);
        }
        return doc;
    }
}
