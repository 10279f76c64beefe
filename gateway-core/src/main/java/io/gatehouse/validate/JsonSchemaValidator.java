package io.gatehouse.validate;

import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SchemaRegistryConfig;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.PathType;
import io.gatehouse.ErrorCode;
import io.gatehouse.GatewayRequest;
import io.gatehouse.route.Route;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadConstraints;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.BufferRecycler;
import tools.jackson.core.util.JsonRecyclerPools;
import tools.jackson.core.util.RecyclerPool;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Validates the body against a JSON Schema (draft 2020-12 unless the schema's {@code $schema}
 * names another draft). Every violation becomes a field-level error with the JSON Pointer of the
 * offending value ({@code /temperature}) and the validator's message; a body that is not UTF-8
 * (RFC 8259 section 8.1), not well-formed JSON, or nested deeper than the bound is refused with
 * one error for the whole body ({@code ""}). All problems are {@code 400 VALIDATION_ERROR}.
 *
 * <p>A schema is one self-contained document ({@code $defs} and local {@code $ref} work); the
 * gateway never fetches a remote {@code $ref}.
 *
 * <p>Immutable.
 */
public final class JsonSchemaValidator implements Validator {

    /** At most this many violations are listed; the rest are counted in the detail. */
    static final int MAX_ERRORS = 20;

    private static final SchemaRegistry REGISTRY = SchemaRegistry.withDefaultDialect(
            SpecificationVersion.DRAFT_2020_12, registry -> registry.schemaRegistryConfig(
                    SchemaRegistryConfig.builder().pathType(PathType.JSON_POINTER).build()));

    /**
     * Buffers recycled in a pool of this class, never in the container's thread locals, where
     * they would keep an undeployed web application's class loader (see {@code JsonMappers}).
     */
    private static final RecyclerPool<BufferRecycler> BUFFERS =
            JsonRecyclerPools.newConcurrentDequePool();

    private final Schema schema;
    private final JsonMapper mapper;
    private final String source;
    private final String schemaText;

    private JsonSchemaValidator(Schema schema, String source, String schemaText, int maxDepth) {
        this.schema = schema;
        this.source = source;
        this.schemaText = schemaText;
        this.mapper = JsonMapper.builder(JsonFactory.builder()
                .recyclerPool(BUFFERS)
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(maxDepth).build())
                .build()).build();
    }

    /**
     * A validator for the schema in {@code schemaJson}, reading bodies nested at most
     * {@code maxDepth} levels.
     *
     * @throws IllegalArgumentException when the schema is not valid JSON or not a schema
     */
    public static JsonSchemaValidator of(String schemaJson, int maxDepth) {
        return create(schemaJson, "inline schema", maxDepth);
    }

    /**
     * A validator for the schema at {@code location}: {@code classpath:schemas/chat.json} for a
     * resource of the class loader that loaded the gateway, otherwise a file path.
     *
     * @throws IllegalArgumentException naming the location when it cannot be read or is not a
     *     schema
     */
    public static JsonSchemaValidator load(String location, int maxDepth) {
        Objects.requireNonNull(location, "location");
        String text;
        if (location.startsWith("classpath:")) {
            String resource = location.substring("classpath:".length()).replaceFirst("^/", "");
            try (InputStream in = JsonSchemaValidator.class.getClassLoader()
                    .getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalArgumentException("schema '" + location
                            + "' is not on the classpath");
                }
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("schema '" + location + "' cannot be read", e);
            }
        } else {
            try {
                text = Files.readString(Path.of(location), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new IllegalArgumentException("schema file '" + location
                        + "' cannot be read: " + e.getMessage(), e);
            }
        }
        return create(text, "schema '" + location + "'", maxDepth);
    }

    private static JsonSchemaValidator create(String text, String source, int maxDepth) {
        if (maxDepth < 1) {
            throw new IllegalArgumentException("maxDepth must be at least 1, was " + maxDepth);
        }
        try {
            Schema schema = REGISTRY.getSchema(text, InputFormat.JSON);
            schema.initializeValidators();
            return new JsonSchemaValidator(schema, source, text, maxDepth);
        } catch (SchemaException | JacksonException e) {
            throw new IllegalArgumentException(source + " is not a valid JSON Schema: "
                    + e.getMessage(), e);
        }
    }

    /** The schema's text, exactly as given, e.g. to publish it in an API description. */
    public String schemaText() {
        return schemaText;
    }

    @Override
    public ValidationResult validate(GatewayRequest request) throws IOException {
        byte[] body = request.body(Route.DEFAULT_MAX_BODY_BYTES);
        if (body.length == 0) {
            return whole("the request body is empty; a JSON document is required",
                    "is required");
        }
        String notUtf8 = Utf8Json.notUtf8(body);
        if (notUtf8 != null) {
            return whole("the request body " + notUtf8, "must be UTF-8");
        }
        JsonNode root;
        try (JsonParser parser = mapper.createParser(body)) {
            root = mapper.readTree(parser);
            if (parser.nextToken() != null) {
                return whole("the request body holds more than one JSON value",
                        "must be a single JSON value");
            }
        } catch (JacksonException e) {
            String reason = e.getOriginalMessage();
            if (reason != null && reason.contains("nesting depth")) {
                return whole("the JSON body is nested too deeply", "is nested too deeply");
            }
            return whole("the request body is not well-formed JSON", "is not well-formed JSON");
        }
        List<Error> violations = schema.validate(root);
        if (violations.isEmpty()) {
            return ValidationResult.valid();
        }
        List<ValidationResult.FieldError> errors = new ArrayList<>(
                Math.min(violations.size(), MAX_ERRORS));
        for (Error violation : violations) {
            if (errors.size() == MAX_ERRORS) {
                break;
            }
            errors.add(new ValidationResult.FieldError(violation.getInstanceLocation().toString(),
                    violation.getMessage()));
        }
        return ValidationResult.invalid(ErrorCode.VALIDATION_ERROR, "the request body does not "
                + "match the route's schema (" + violations.size() + " violation"
                + (violations.size() == 1 ? "" : "s") + ")", errors);
    }

    private static ValidationResult whole(String detail, String message) {
        return ValidationResult.invalid(ErrorCode.VALIDATION_ERROR, detail,
                List.of(new ValidationResult.FieldError("", message)));
    }

    @Override
    public String toString() {
        return "JsonSchemaValidator[" + source + "]";
    }
}
