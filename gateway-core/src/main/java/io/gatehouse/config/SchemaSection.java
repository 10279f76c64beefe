package io.gatehouse.config;

import com.fasterxml.jackson.databind.JsonNode;
import io.gatehouse.validate.JsonSchemaValidator;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * Reads a route's {@code validate: schema:}, either a location ({@code classpath:schemas/x.json}
 * or a file path) or a mapping with {@code location} and {@code max_depth}, into a
 * {@link JsonSchemaValidator}.
 *
 * <p>Thread-safe (stateless).
 */
final class SchemaSection {

    private static final Set<String> KEYS = Set.of("location", "max_depth");
    private static final int DEFAULT_MAX_DEPTH = 32;

    private SchemaSection() {
    }

    static JsonSchemaValidator validator(ConfigReader reader, JsonNode node, String where) {
        String location;
        int maxDepth = DEFAULT_MAX_DEPTH;
        if (node.isValueNode()) {
            location = reader.text(node, where).strip();
        } else {
            ConfigReader.requireMapping(node, where, KEYS);
            location = reader.requiredText(node, "location", where).strip();
            if (node.has("max_depth")) {
                maxDepth = (int) reader.integer(node.get("max_depth"), where + ".max_depth", 1,
                        1000);
            }
        }
        try {
            return JsonSchemaValidator.load(location, maxDepth);
        } catch (IllegalArgumentException | UncheckedIOException e) {
            throw new GatewayConfigException(where + ": " + e.getMessage(), e);
        }
    }
}
